/**
 * @module identity
 * The identity graph: identifiers read off events, groups of them as one person, merge rules and limits.
 */
export { DEVICE_LIKE, type Identifier, IDENTIFIER_TYPES, type IdentifierType, identifierKey, identifiersOf, normalizeEmail, parseIdentifier, RANK } from './identifiers.ts'
export { type Attribution, DEFAULT_LIMITS, type GraphStats, IdentityGraph, type IdentityLimits } from './identity-graph.ts'
