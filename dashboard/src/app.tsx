/** Routes: one per page in pages/index.ts, under /dashboard/. */
import { Route, Routes } from 'react-router'
import { Layout } from './layout.tsx'
import { PAGES } from './pages/index.ts'
import { NotFound } from './pages/not-found.tsx'

export function App() {
  return (
    <Layout>
      <Routes>
        {PAGES.map(({ path, Component }) => (
          <Route key={path} path={path} element={<Component />} />
        ))}
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
  )
}
