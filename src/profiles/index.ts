/**
 * @module profiles
 * Per-person profiles derived from the event log through the identity graph: affinities, cart,
 * purchases, RFM, email engagement, sessions, explicit preferences and consent.
 */
export { PROFILE_CONSUMER, ProfileProjector, type ProfileSettings, type ProjectorOutcome, type ProjectorStats } from './profile-projector.ts'
export { type AffinityEvent, type AffinityEvidence, type CommandOutcome, LOOKUP_TYPES, type LookupType, ProfileService } from './profile-service.ts'
export { AUDIENCE, type AffinityWeights, consentGiven, DEFAULT_WEIGHTS, emptyState, type FoldContext, foldAll, foldEvent, parseState, type Preferences, type ProfileState } from './profile-state.ts'
export { type Affinity, isoTime, profileView, type ProfileView, rankAffinities } from './profile-view.ts'
export { type RfmScale, type RfmScore, rfmScale, rfmScore } from './rfm.ts'
export { PeopleDirectory, type PeopleListQuery, type PersonListRow } from './people-directory.ts'
