import { useEffect } from 'react';
import { useMonitoring, useStores } from '../stores/StoresContext';
import type { Series, SeriesKey } from '../stores/monitoringStore';

/** Follows a series while the component is mounted: history first, then every tick. */
export function useSeries(key: SeriesKey): Series | undefined {
  const { monitoring } = useStores();
  useEffect(() => monitoring.getState().watch(key), [monitoring, key]);
  return useMonitoring((state) => state.series[key]);
}
