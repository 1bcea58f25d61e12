/**
 * @module segments
 * Behavioural segments and computed traits: the JSON rule language, its checks and pure evaluation
 * (rules), and the runtime that keeps memberships current (engine).
 */
export type { Evaluation, FactItem, FactNeeds, PersonFacts, RfmFact } from './facts.ts'
// The rule language (helper "rules"): types, checks, schemas, compilation, order, RFM, built-ins.
export type { AbandonmentCondition, Comparison, DateCondition, EventCondition, EventMatch, EventWindow, ItemCondition, NumberComparison, PredictionCondition, PredictionField, ProfileCondition, PropertyCondition, RfmSegmentName, Scalar, SegmentRule, TraitDefinition, TraitType } from './rule-types.ts'
export { PREDICTION_FIELDS, RFM_SEGMENT_NAMES, TRAIT_TYPES } from './rule-types.ts'
export { type CheckResult, checkSegmentRule, checkTraitDefinition, MAX_RULE_DEPTH, MAX_RULE_NODES } from './rule-check.ts'
export { SegmentRuleSchema, TraitDefinitionSchema } from './rule-schema.ts'
export { type CompiledSegment, type CompileOptions, compileSegment, type Reference } from './compile-segment.ts'
export { type CompiledTrait, compileTrait, MAX_UNIQUE_LIST, type TraitValue } from './compile-trait.ts'
export { checkReferences, type DefinitionInput, evaluationOrder, ReferenceCycleError } from './evaluation-order.ts'
export { RFM_SEGMENTS, type RfmBuyer, rfmFactOf, type RfmQuartileScale, rfmQuartileScale, rfmSegmentOf } from './rfm-quartiles.ts'
export { BUILT_IN_SEGMENTS, type BuiltInSegment } from './built-in-segments.ts'
// The runtime (helper "engine"): facts in bulk, the evaluation pass, audience events, the engine.
export { type PersonSegment, type PreviewResult, type RecomputeResult, SegmentEngine, type SegmentEngineOptions } from './segment-engine.ts'
export { audienceEvent, audienceMessageId } from './audience-events.ts'
