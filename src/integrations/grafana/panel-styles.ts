/** Field and option fragments shared by SMO's panels, as exported from Grafana 10.4 upstream. */
import type { JsonObject } from './dashboard.types';

interface LineStyle {
  fillOpacity: number;
  lineWidth: number;
  showPoints: 'auto' | 'never';
  spanNulls: boolean;
  stacking: 'none' | 'normal';
  axisLabel?: string;
  /** A soft axis range still grows when values exceed it (CPU % over the limit). */
  axisSoft?: { min: number; max: number };
}

/** Thin lines, points, no fill: the per-service panels. */
export const SERVICE_LINES: LineStyle = { fillOpacity: 0, lineWidth: 1, showPoints: 'auto', spanNulls: false, stacking: 'none' };
/** Filled lines without points: the per-cluster panels. */
export const CLUSTER_LINES: LineStyle = { fillOpacity: 10, lineWidth: 2, showPoints: 'never', spanNulls: true, stacking: 'none' };

export function timeseriesCustom(style: LineStyle): JsonObject {
  return {
    axisBorderShow: false,
    axisCenteredZero: false,
    axisColorMode: 'text',
    axisLabel: style.axisLabel ?? '',
    axisPlacement: 'auto',
    ...(style.axisSoft ? { axisSoftMax: style.axisSoft.max, axisSoftMin: style.axisSoft.min } : {}),
    barAlignment: 0,
    drawStyle: 'line',
    fillOpacity: style.fillOpacity,
    gradientMode: 'none',
    hideFrom: { legend: false, tooltip: false, viz: false },
    insertNulls: false,
    lineInterpolation: 'linear',
    lineWidth: style.lineWidth,
    pointSize: 5,
    scaleDistribution: { type: 'linear' },
    showPoints: style.showPoints,
    spanNulls: style.spanNulls,
    stacking: { group: 'A', mode: style.stacking },
    thresholdsStyle: { mode: 'off' },
  };
}

/** Green from the bottom, red from `redFrom` when given. */
export function thresholds(redFrom?: number): JsonObject {
  const steps: JsonObject[] = [{ color: 'green', value: null }];
  if (redFrom !== undefined) steps.push({ color: 'red', value: redFrom });
  return { mode: 'absolute', steps };
}

/** Green, orange from `orangeFrom`, red from `redFrom`: the gauges. */
export function trafficLight(orangeFrom: number, redFrom: number): JsonObject {
  return {
    mode: 'absolute',
    steps: [
      { color: 'rgba(50, 172, 45, 0.97)', value: null },
      { color: 'rgba(237, 129, 40, 0.89)', value: orangeFrom },
      { color: 'rgba(245, 54, 54, 0.9)', value: redFrom },
    ],
  };
}

/** Gauges show "N/A" rather than an empty dial when the query has no data. */
export const NO_DATA_AS_NA: JsonObject[] = [{ options: { match: 'None', result: { text: 'N/A' } }, type: 'special' }];

export function timeseriesOptions(tooltip: 'single' | 'multi'): JsonObject {
  return {
    legend: { calcs: [], displayMode: 'list', placement: 'bottom', showLegend: true },
    tooltip: { mode: tooltip, sort: 'none' },
  };
}

export function gaugeOptions(calc: 'mean' | 'lastNotNull'): JsonObject {
  return {
    minVizHeight: 75,
    minVizWidth: 75,
    orientation: 'horizontal',
    reduceOptions: { calcs: [calc], fields: '', values: false },
    showThresholdLabels: false,
    showThresholdMarkers: true,
    sizing: 'auto',
  };
}

export function statOptions(): JsonObject {
  return {
    colorMode: 'value',
    graphMode: 'none',
    justifyMode: 'auto',
    orientation: 'auto',
    reduceOptions: { calcs: ['last'], fields: '', values: false },
    showPercentChange: false,
    textMode: 'auto',
    wideLayout: true,
  };
}
