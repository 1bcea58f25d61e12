/**
 * Customer lifetime value: BG/NBD for repeat purchases and Gamma-Gamma for spend, fitted by maximum
 * likelihood on order history, with the special functions they need, and the RFM fallback below the
 * data minimums (docs/clv.md).
 */
export { bgNbdLogLikelihood, type BgNbdParams, conditionalExpectedPurchases, expectedPurchases, probabilityAlive } from './bg-nbd.ts'
export { BgNbdTable } from './bg-nbd-table.ts'
export { type CustomerSummary, customerSummaries, DAY_MS, dayOf, type OrderRecord, orderValue } from './customer-summary.ts'
export { type ClvFit, type ClvOptions, DEFAULT_CLV_OPTIONS, fitBgNbd, fitClv, fitGammaGamma } from './fit-clv.ts'
export { conditionalExpectedSpend, gammaGammaLogLikelihood, type GammaGammaParams } from './gamma-gamma.ts'
export { minimize, type MinimizeOptions, type MinimizeResult } from './nelder-mead.ts'
export { type ClvPrediction, expectedSpend, midRankPercentiles, predictClv, type PredictOptions, rfmPercentiles } from './predict-clv.ts'
export { gammaVariate, simulateClv, type SimulationOptions } from './simulate-clv.ts'
export { lnGamma, lnHyp2f1, logAddExp, pearson, signedLnHyp2f1 } from './special-functions.ts'
