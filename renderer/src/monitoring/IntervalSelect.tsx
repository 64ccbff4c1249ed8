/** The sampling interval (one setting for every host), saved by main in the data folder. */
import { useMonitoring, useStores } from '../stores/StoresContext';

const CHOICES = [1, 2, 5, 10, 30, 60];

export function IntervalSelect() {
  const { monitoring } = useStores();
  const interval = useMonitoring((state) => state.intervalSeconds);
  if (interval === null) return null;
  const choices = CHOICES.includes(interval) ? CHOICES : [...CHOICES, interval].sort((a, b) => a - b);
  return (
    <label className="interval-select muted">
      Sample every{' '}
      <select
        data-testid="monitoring-interval"
        value={interval}
        onChange={(event) => void monitoring.getState().setIntervalSeconds(Number(event.target.value))}
      >
        {choices.map((s) => (
          <option key={s} value={s}>
            {s} s
          </option>
        ))}
      </select>
    </label>
  );
}
