import { describe, expect, it } from 'vitest';
import { checkCloudConfig } from './cloudConfig';

describe('checkCloudConfig', () => {
  it.each([
    ['', true],
    ['#cloud-config\n', true],
    ['#cloud-config\n{"packages": ["htop", ["nginx", "1.22"]], "runcmd": [["touch", "/x"], "echo hi"]}', true],
    ['#cloud-config\n{"write_files": [{"path": "/etc/motd", "content": "hi", "permissions": "0644"}]}', true],
    ['#cloud-config\n{"users": ["default", {"name": "ada", "groups": "sudo"}], "ssh_authorized_keys": ["ssh-ed25519 AAAA x"]}', true],
  ])('accepts %j', (text, ok) => {
    expect(checkCloudConfig(text).ok).toBe(ok);
  });

  it('requires the #cloud-config header', () => {
    expect(checkCloudConfig('{"packages": []}').errors).toEqual([expect.stringMatching(/^line 1: .*"#cloud-config"/)]);
  });

  it('reads block-style YAML, and says on which line a body is not readable', () => {
    expect(checkCloudConfig('#cloud-config\npackages:\n  - htop\nruncmd:\n  - [systemctl, enable, --now, nginx]\n')).toMatchObject({
      ok: true,
      value: { packages: ['htop'], runcmd: [['systemctl', 'enable', '--now', 'nginx']] },
    });
    expect(checkCloudConfig('#cloud-config\npackages:\n  - htop\n bad: [').errors[0]).toMatch(/^line [34]: /);
    expect(checkCloudConfig('#cloud-config\npackages: []\npackages: [htop]').errors[0]).toMatch(/^line 3: .*[Uu]nique/);
  });

  it('reports wrong types at their path', () => {
    expect(checkCloudConfig('#cloud-config\n{"packages": "htop", "write_files": [{"path": "etc/motd"}]}').errors).toEqual([
      expect.stringMatching(/^packages: /),
      'write_files.0.path: an absolute path',
    ]);
    expect(checkCloudConfig('#cloud-config\n["a"]').errors).toEqual([expect.stringMatching(/must be a mapping/)]);
  });

  it('lets keys it does not check through, and names them', () => {
    expect(checkCloudConfig('#cloud-config\n{"apt": {}, "packages": []}')).toMatchObject({ ok: true, unchecked: ['apt'] });
  });
});
