/**
 * @module content
 * Content placements with variants: which banner, hero or block a person sees, chosen from their
 * interests with consent, with a default for everyone else.
 */
export { chooseVariant, type Decision, decision, type DecisionRequest, type DeciderSettings, type Variant } from './decide.ts'
