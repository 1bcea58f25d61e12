import { useQueryClient } from '@tanstack/react-query'
import { Page, Section } from '../components/page.tsx'
import { ChangePassword, useSession } from '../session.tsx'
import { setCsrfToken } from '../api.ts'

export function AccountPage() {
  const { user } = useSession()
  const queries = useQueryClient()
  return (
    <Page title="Your account" ready>
      <Section title="You">
        <dl className="facts">
          <dt>Email</dt>
          <dd>{user.email}</dd>
          <dt>Role</dt>
          <dd>{user.role}</dd>
        </dl>
      </Section>
      <Section title="Change your password">
        <ChangePassword
          onChanged={(reply) => {
            setCsrfToken(reply.csrfToken)
            void queries.invalidateQueries()
          }}
        />
      </Section>
    </Page>
  )
}
