/**
 * @module training
 * Training runs from the event log (with people's exclusions), versioned artifacts in the store, and
 * the registry that swaps serving nodes to a new version without a restart.
 */
export { ARTIFACT_FORMAT, type Artifact, deserializeArtifact, type Factors, serializeArtifact } from './artifact.ts'
export { type LoadedModel, ModelRegistry } from './model-registry.ts'
export { neighbourModel, type PipelineOptions, trainArtifact, type TrainingSummary } from './pipeline.ts'
export { type ClvSummary, trainClv } from './clv-step.ts'
export { newVersionId, runVersion, Trainer, type TrainerOptions } from './trainer.ts'
export { type InteractionKind, KINDS, readTrainingData, type TrainingData } from './training-data.ts'
