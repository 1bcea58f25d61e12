/**
 * @module demo
 * The demo storefront served by the engine: loading the synthetic shop into a fresh store (with a
 * trained model and a write key for the pages), and the shop's server-rendered pages under /demo/,
 * instrumented with the engine's own browser SDK.
 */
export { demoFilePath, type DemoFile, readDemoFile } from './demo-file.ts'
export { DEMO_DEFAULTS, DEMO_KEY_LABEL, type DemoEngine, type DemoLoad, type DemoProgress, type DemoStep, loadDemo, type LoadDemoOptions } from './load-demo.ts'
export { demoRoutes, type DemoServing } from './demo-routes.ts'
export { drawItemSvg, type ImageItem } from './item-image.ts'
