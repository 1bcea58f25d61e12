export { generatePassword, hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem, verifyPassword } from './passwords.ts'
export {
  checkRole,
  DEFAULT_SESSION_LIMITS,
  normaliseEmail,
  roleAllows,
  type SessionLimits,
  type SignedIn,
  STAFF_ROLES,
  StaffService,
  type StaffUserView,
  staffUserView,
  tokenDigest,
} from './staff-service.ts'
