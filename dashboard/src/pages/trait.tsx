/**
 * One computed trait: create (/traits/new) or read and change it (/traits/:id). Viewers see the form read
 * only; editors save (with the version they started from: a 409 says someone saved meanwhile) or delete.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate, useParams } from 'react-router'
import { ConfirmButton } from '../components/form.tsx'
import { Page } from '../components/page.tsx'
import { STARTER_TRAIT, TraitForm } from '../components/trait-form.tsx'
import { ErrorNote, QueryView } from '../components/states.tsx'
import type { Json } from '../rule-shapes.ts'
import { invalidateLists, segmentApi } from '../segment-api.ts'
import { useSession } from '../session.tsx'
import { LastChange } from './segments.tsx'

export function NewTraitPage() {
  const { can } = useSession()
  return (
    <Page title="New computed trait" ready actions={<Link to="/traits">All computed traits</Link>}>
      {can('editor') ? (
        <TraitForm readOnly={false} start={{ name: '', key: '', description: '', enabled: true, definition: STARTER_TRAIT }} />
      ) : (
        <p>Editors and admins create computed traits. Your role reads them: see the list of computed traits.</p>
      )}
    </Page>
  )
}

export function TraitPage() {
  const { id = '' } = useParams()
  const { can } = useSession()
  const editor = can('editor')
  const client = useQueryClient()
  const navigate = useNavigate()
  const trait = useQuery({ queryKey: ['traits', id], queryFn: () => segmentApi.trait(id), refetchOnWindowFocus: false })
  const remove = useMutation({
    mutationFn: () => segmentApi.removeTrait(id),
    onSuccess: async () => {
      navigate('/traits')
      // Forget the deleted one rather than refetch it (a 404), and refresh the lists that named it.
      client.removeQueries({ queryKey: ['traits', id] })
      await invalidateLists(client)
    },
  })
  const t = trait.data
  return (
    <Page
      title={t?.name ?? 'Computed trait'}
      ready={t !== undefined || trait.isError}
      actions={
        <>
          <Link to="/traits">All computed traits</Link>
          {editor && t && (
            <ConfirmButton confirmLabel={`Confirm delete ${t.name}`} busy={remove.isPending} onConfirm={() => remove.mutate()}>
              Delete computed trait
            </ConfirmButton>
          )}
        </>
      }
    >
      {remove.error && <ErrorNote error={remove.error} />}
      <QueryView query={trait} what="the computed trait">
        {(found) => (
          <>
            <p className="muted">
              Last change <LastChange row={found} />.{editor ? '' : ' Editors change computed traits; you can read this one.'}
            </p>
            <TraitForm key={found.id} readOnly={!editor} existing={found} start={{ name: found.name, key: found.key, description: found.description, enabled: found.enabled, definition: found.definition as Json }} />
          </>
        )}
      </QueryView>
    </Page>
  )
}
