/**
 * Networks and labs in Chromium, against Tandem in browser mode on its demo host (libvirt's test driver):
 * the host page lists the host's networks; a network is created from the dialog with the keyboard (an
 * overlapping subnet and a DHCP range outside it refused at their fields first), shows in the list and the
 * topology, is stopped, started and kept from autostart (each change pushed by main), and deleted once
 * confirmed, while deleting a network VMs use is refused naming them. A lab started from its dialog runs as
 * one job followed to its end: on the demo host it fails at the first VM's seed upload (the test driver has
 * no volume upload) and is rolled back; the UI says so, and neither its network nor its VMs are left.
 * Labs that boot are tested on the test bed (test/integration/testbed/labs.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { demoHostSuite } from './demoHostSuite';

/** The first catalog call loads the osinfo database (1-2 s of CPU on a shared machine). */
const POLL = { timeout: 15_000 };

describe('networks and labs, in Chromium, on the demo host', () => {
  const demo = demoHostSuite();
  const byId = demo.byId;
  /** Selects the demo host in the sidebar (which shows its actions) and opens its page. */
  const openHostPage = async () => {
    await demo.page.click('[data-testid="host-item-demo"] .host-select');
    await byId('host-open-demo').click();
  };
  const focused = () => demo.page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.id ?? document.activeElement?.tagName);
  const rowNames = () => demo.page.$$eval('[data-testid^="network-row-"]', (rows) => rows.map((r) => r.getAttribute('data-testid')!.replace('network-row-', '')));
  const topologyNetworks = async () => {
    await byId('topology-open').click();
    await byId('topology-view').waitFor();
    await demo.page.waitForSelector('[data-testid="topology-node-network:demo:default"]', POLL);
    const nodes = await demo.page.$$eval('[data-testid^="topology-node-network:"]', (els) => els.map((e) => e.getAttribute('data-testid')!.replace('topology-node-network:demo:', '')));
    const text = (await byId('topology-view').locator('svg').textContent()) ?? '';
    await byId('topology-close').click();
    await byId('topology-view').waitFor({ state: 'detached' });
    return { nodes: nodes.sort(), text };
  };

  it("lists the demo host's networks on its page: mode, subnet, DHCP, state, VMs", async () => {
    await openHostPage();
    // The page's own facts come first (the demo host once showed an error here: the test driver has no free memory figure).
    await byId('host-memory').waitFor(POLL);
    expect(await byId('host-memory').innerText()).toMatch(/free of 64/);
    expect(await demo.page.$('[data-testid="host-page-error"]')).toBeNull();
    await byId('network-row-lab-net').waitFor(POLL);
    expect(await rowNames()).toEqual(['default', 'lab-net']);
    expect(await byId('network-mode-default').innerText()).toBe('NAT');
    expect(await byId('network-subnet-default').innerText()).toBe('192.168.122.0/24');
    expect(await byId('network-dhcp-default').innerText()).toBe('192.168.122.2 – 192.168.122.254');
    expect(await byId('network-state-lab-net').innerText()).toBe('active');
    expect(await byId('network-mode-lab-net').innerText()).toBe('isolated');
    expect(await byId('network-vms-lab-net').innerText()).toBe('db-primary, db-replica, router-lab, web-frontend');
  });

  it('creates a network with the keyboard, refusing an overlapping subnet and a bad DHCP range at their fields', async () => {
    await byId('network-new').click();
    await byId('network-dialog').waitFor();
    // The name field has the focus: the form is filled from the keyboard.
    await demo.page.keyboard.type('e2e-net');
    // Tab stays in the dialog: back from its first field to its last button, and on again.
    await demo.page.keyboard.press('Shift+Tab');
    expect(await focused()).toBe('network-create');
    await demo.page.keyboard.press('Tab');
    expect(await focused()).toBe('network-field-name');
    await demo.page.keyboard.press('Tab');
    await demo.page.keyboard.press('Tab');
    await demo.page.keyboard.type('10.77.0.0/16');
    await expect.poll(() => byId('net-error-subnet').innerText()).toBe('The subnet 10.77.0.0/16 overlaps 10.77.0.0/24 of the network "lab-net"');
    await demo.page.keyboard.press('Enter');
    // Refused at the field: the dialog stays, with the focus on the subnet.
    expect(await byId('network-dialog').isVisible()).toBe(true);
    expect(await demo.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('network-field-subnet');
    await byId('network-field-subnet').fill('10.123.0.0/24');
    await expect.poll(() => byId('net-error-subnet').count()).toBe(0);
    await byId('network-field-dhcp-start').fill('10.123.0.1');
    await expect.poll(() => byId('net-error-dhcpRange.start').innerText()).toMatch(/^The DHCP range is invalid: 10\.123\.0\.1 is not inside 10\.123\.0\.0\/24, from 10\.123\.0\.2 to 10\.123\.0\.254/);
    await byId('network-field-dhcp-start').fill('10.123.0.100');
    await byId('network-field-dhcp-end').fill('10.123.0.199');
    await byId('network-field-forward').fill('eth0');
    await byId('network-field-dhcp-end').press('Enter');
    await byId('network-dialog').waitFor({ state: 'detached' });

    await byId('network-row-e2e-net').waitFor(POLL);
    expect(await rowNames()).toEqual(['default', 'e2e-net', 'lab-net']);
    expect(await byId('network-mode-e2e-net').innerText()).toBe('NAT via eth0');
    expect(await byId('network-subnet-e2e-net').innerText()).toBe('10.123.0.0/24');
    expect(await byId('network-dhcp-e2e-net').innerText()).toBe('10.123.0.100 – 10.123.0.199');
    expect(await byId('network-state-e2e-net').innerText()).toBe('active');
    expect(await byId('network-autostart-e2e-net').isChecked()).toBe(true);

    const topology = await topologyNetworks();
    expect(topology.nodes).toEqual(['default', 'e2e-net', 'lab-net']);
    expect(topology.text).toContain('nat · 10.123.0.0/24');
    await byId('network-row-e2e-net').waitFor(); // back on the host page
  });

  it('stops, starts and keeps a network from autostart; a stop that cuts VMs off asks first, naming them', async () => {
    await byId('network-stop-e2e-net').click();
    await expect.poll(() => byId('network-state-e2e-net').innerText(), POLL).toBe('inactive');
    await byId('network-start-e2e-net').click();
    await expect.poll(() => byId('network-state-e2e-net').innerText(), POLL).toBe('active');
    await byId('network-autostart-e2e-net').click();
    await expect.poll(() => byId('network-autostart-e2e-net').isChecked(), POLL).toBe(false);

    await byId('network-stop-lab-net').click();
    expect(await byId('network-confirm-text').innerText()).toMatch(/^The VMs on it lose their link to it until it runs again: "db-primary", "db-replica", "router-lab", "web-frontend" \(running: /);
    // Cancel has the focus: Enter keeps the network running.
    await demo.page.keyboard.press('Enter');
    await byId('network-confirm').waitFor({ state: 'detached' });
    expect(await byId('network-state-lab-net').innerText()).toBe('active');
  });

  it('refuses to delete a network VMs use, naming them; deletes one nobody uses once confirmed', async () => {
    await byId('network-delete-lab-net').click();
    expect(await byId('network-confirm-text').innerText()).toBe(
      'It is used by "db-primary", "db-replica", "router-lab", "web-frontend". A network is deleted only once no VM has an interface on it: remove theirs first.',
    );
    expect(await byId('network-confirm-ok').isDisabled()).toBe(true);
    await demo.page.keyboard.press('Escape');
    await byId('network-confirm').waitFor({ state: 'detached' });
    // The focus is back on the button that opened the dialog.
    expect(await focused()).toBe('network-delete-lab-net');

    await byId('network-delete-e2e-net').click();
    expect(await byId('network-confirm-text').innerText()).toBe('No VM uses it. Its definition is removed from the host.');
    await byId('network-confirm-ok').click();
    await byId('network-row-e2e-net').waitFor({ state: 'detached', ...POLL });
    // Its row is gone: the focus waits on the networks' heading rather than falling to the page's top.
    expect(await focused()).toBe('net-heading');
    expect(await rowNames()).toEqual(['default', 'lab-net']);
    expect((await topologyNetworks()).nodes).toEqual(['default', 'lab-net']);
  });

  it('deploys a lab as one job followed to its end: the demo host fails it at the seed upload, and nothing is left', async () => {
    await byId('host-page-close').click();
    await byId('new-lab').click();
    await byId('lab-step-lab').waitFor();
    await demo.page.keyboard.type('e2e-lab');
    await byId('lab-field-subnet').fill('10.77.0.0/24'); // lab-net's: known to overlap only once the host is chosen
    // Routed, as on the host page: the forward device field appears, judged by the host page's network rules.
    expect(await byId('lab-field-forward').count()).toBe(0);
    await byId('lab-field-mode').selectOption('routed');
    await byId('lab-field-forward').fill('eth 0');
    await demo.page.keyboard.press('Enter');
    expect(await byId('lab-error-forwardDevice').innerText()).toMatch(/^The forward device is invalid: an interface name of the host/);
    expect(await byId('lab-step-lab').count()).toBe(1);
    await byId('lab-field-forward').fill('eth0');
    expect(await byId('lab-error-forwardDevice').count()).toBe(0);
    await demo.page.keyboard.press('Enter');
    await byId('lab-step-vms').waitFor();
    // Nothing added yet: the step refuses to go on, at its field.
    await byId('lab-next').click();
    expect(await byId('lab-error-vms').innerText()).toBe('add at least one VM');
    await expect.poll(() => byId('lab-add-template').locator('option').count(), POLL).toBeGreaterThan(1);
    await byId('lab-add-template').selectOption('debian-minimal');
    await byId('lab-add-count').fill('0');
    expect(await byId('lab-error-count').innerText()).toBe('a whole number from 1 to 16');
    expect(await byId('lab-add').isDisabled()).toBe(true);
    await byId('lab-add-count').fill('2');
    expect(await byId('lab-error-count').count()).toBe(0);
    await byId('lab-add-count').press('Enter');
    expect(await byId('lab-vm-0-name').inputValue()).toBe('e2e-lab-1');
    expect(await byId('lab-vm-1-name').inputValue()).toBe('e2e-lab-2');
    await byId('lab-gateway').check();
    expect(await byId('lab-gateway-vm').inputValue()).toBe('e2e-lab-1');
    expect(await byId('lab-gateway-uplink').inputValue()).toBe('default');
    await byId('lab-next').click();

    await byId('lab-step-review').waitFor();
    await expect.poll(() => byId('lab-placement').innerText(), POLL).toMatch(/^Demo host: takes the 2 VMs exactly as asked, .* of memory left after them\.$/);
    // The host is chosen: its networks show the subnet taken, and the lab cannot be deployed as it stands.
    await expect.poll(() => byId('lab-review-problems').innerText(), POLL).toContain('The subnet 10.77.0.0/24 overlaps 10.77.0.0/24 of the network "lab-net"');
    expect(await byId('lab-deploy').isDisabled()).toBe(true);
    await byId('lab-review-problems').getByRole('button', { name: 'Fix' }).click();
    await byId('lab-step-lab').waitFor();
    expect(await byId('lab-error-subnet').innerText()).toMatch(/overlaps 10\.77\.0\.0\/24 of the network "lab-net"/);
    await byId('lab-field-subnet').fill('10.124.0.0/24');
    await byId('lab-tab-review').click();
    await expect.poll(() => byId('lab-placement').innerText(), POLL).toMatch(/^Demo host: takes the 2 VMs/);
    expect(await byId('lab-summary-network').innerText()).toBe('e2e-lab · routed via eth0 · 10.124.0.0/24');
    await byId('lab-summary-vm-e2e-lab-2').waitFor();
    await expect.poll(() => byId('lab-deploy').isEnabled(), POLL).toBe(true);

    await byId('lab-deploy').click();
    const job = demo.page.locator('[data-testid="lab-deploy-status"] .job');
    await expect.poll(() => job.getAttribute('data-state'), POLL).toBe('failed');
    expect(await job.locator('.job-title').innerText()).toBe('Deploy lab e2e-lab');
    expect(await job.locator('.job-error').innerText()).toMatch(/virStorageVolUpload/);
    expect(await byId('lab-outcome').getAttribute('data-outcome')).toBe('removed');
    expect(await byId('lab-outcome-step').innerText()).toBe('It failed at VM 1 of 2 (e2e-lab-1): writing the cloud-init seed.');
    expect(await byId('lab-outcome').innerText()).toContain('Nothing of the lab is left on Demo host: its network, VMs and their volumes were removed.');
    const jobTestId = await job.getAttribute('data-testid');
    await demo.page.keyboard.press('Escape');
    await byId('lab-dialog').waitFor({ state: 'detached' });
    expect(await focused()).toBe('new-lab');
    // The same job, in the sidebar's jobs panel (finished jobs show once it is opened).
    await byId('jobs-panel').locator('.jobs-toggle').click();
    expect(await byId('jobs-panel').locator(`[data-testid="${jobTestId}"]`).getAttribute('data-state')).toBe('failed');

    // Nothing left: no lab VM in the table, no lab network on the host page or in the topology.
    expect(await demo.page.locator('[data-testid^="vm-row-e2e-lab"]').count()).toBe(0);
    await openHostPage();
    await byId('network-row-lab-net').waitFor(POLL);
    expect(await rowNames()).toEqual(['default', 'lab-net']);
    expect((await topologyNetworks()).nodes).toEqual(['default', 'lab-net']);
    expect(demo.errors).toEqual([]);
  });
});
