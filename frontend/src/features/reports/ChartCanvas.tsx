import { useEffect, useRef } from "react";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";

// Only the pieces used here are registered: Chart.js tree-shakes the rest away, and the whole
// library lives in the lazily loaded reports chunk, never in the inbox's bundle.
Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

/** A Chart.js chart on a canvas, rebuilt when its configuration changes. */
export function ChartCanvas({ config, label, testId }: { config: ChartConfiguration; label: string; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    const chart = new Chart(ref.current, config);
    return () => chart.destroy();
  }, [config]);
  return (
    <div className="report-chart">
      <canvas ref={ref} role="img" aria-label={label} data-testid={testId} />
    </div>
  );
}
