/** Monitoring's components for other pages: live charts of a host or a VM, alerts. */
export { HostCharts } from './HostCharts';
export { VmCharts } from './VmCharts';
export { AlertsBadge, AlertsPanel, AlertNotifier } from './Alerts';
export { IntervalSelect } from './IntervalSelect';
