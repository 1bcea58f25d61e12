/**
 * Create a segment (/segments/new) or change one (/segments/:id/edit) with the rule builder and its live
 * size estimate. Editors only: a viewer is told so (the server refuses their changes anyway).
 */
import { useQuery } from '@tanstack/react-query'
import { Link, useParams } from 'react-router'
import { Page } from '../components/page.tsx'
import { SegmentForm } from '../components/segment-form.tsx'
import { QueryView } from '../components/states.tsx'
import type { Json } from '../rule-shapes.ts'
import { STARTER_RULE } from '../rule-shapes.ts'
import { segmentApi } from '../segment-api.ts'
import { useSession } from '../session.tsx'

function EditorsOnly({ title }: { title: string }) {
  return (
    <Page title={title} ready actions={<Link to="/segments">All segments</Link>}>
      <p>Editors and admins create and change segments. Your role reads them: see the list of segments.</p>
    </Page>
  )
}

export function NewSegmentPage() {
  const { can } = useSession()
  if (!can('editor')) return <EditorsOnly title="New segment" />
  return (
    <Page title="New segment" ready actions={<Link to="/segments">All segments</Link>}>
      <SegmentForm start={{ name: '', key: '', description: '', enabled: true, definition: STARTER_RULE }} />
    </Page>
  )
}

export function EditSegmentPage() {
  const { id = '' } = useParams()
  const { can } = useSession()
  const segment = useQuery({ queryKey: ['segments', id, 'detail'], queryFn: () => segmentApi.get(id), enabled: can('editor'), refetchOnWindowFocus: false, staleTime: Number.POSITIVE_INFINITY })
  if (!can('editor')) return <EditorsOnly title="Change segment" />
  const s = segment.data
  return (
    <Page title={s ? `Change ${s.name}` : 'Change segment'} ready={s !== undefined || segment.isError} actions={<Link to={`/segments/${encodeURIComponent(id)}`}>Back to the segment</Link>}>
      <QueryView query={segment} what="the segment">
        {(found) => <SegmentForm key={found.id} existing={found} start={{ name: found.name, key: found.key, description: found.description, enabled: found.enabled, definition: found.definition as Json }} />}
      </QueryView>
    </Page>
  )
}
