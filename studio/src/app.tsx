import { Navigate, Route, Routes, useLocation, useParams } from 'react-router';
import { Layout } from './components/layout.js';
import { EmptyState } from './components/notice.js';
import { studioPathForMlflowHash } from './lib/mlflow-links.js';
import { AdvisorPage } from './pages/advisor-page.js';
import { ComparePage } from './pages/compare-page.js';
import { ComponentPage } from './pages/component-page.js';
import { ComponentsPage } from './pages/components-page.js';
import { ComputePage } from './pages/compute-page.js';
import { ComputesPage } from './pages/computes-page.js';
import { CostPage } from './pages/cost-page.js';
import { JobPage } from './pages/job-page.js';
import { JobsPage } from './pages/jobs-page.js';
import { EndpointPage } from './pages/endpoint-page.js';
import { EndpointsPage } from './pages/endpoints-page.js';
import { ModelPage } from './pages/model-page.js';
import { ModelsPage } from './pages/models-page.js';
import { MonitorPage } from './pages/monitor-page.js';
import { MonitorRunPage } from './pages/monitor-run-page.js';
import { MonitorsPage } from './pages/monitors-page.js';
import { ExperimentsPage } from './pages/experiments-page.js';
import { PipelinePage } from './pages/pipeline-page.js';
import { PolicyPage } from './pages/policy-page.js';
import { RunPage } from './pages/run-page.js';
import { RunsPage } from './pages/runs-page.js';
import { SchedulePage } from './pages/schedule-page.js';
import { SchedulesPage } from './pages/schedules-page.js';
import { SweepPage } from './pages/sweep-page.js';
import { TracePage } from './pages/trace-page.js';
import { TracesPage } from './pages/traces-page.js';

/** Every page has its own URL under /studio/w/{workspace}/..., so any view can be shared. */
export function App() {
  return (
    <Routes>
      <Route path="/" element={<WorkspaceLanding />} />
      <Route path="/w/:workspace" element={<WorkspaceLanding />} />
      <Route
        path="/w/:workspace/experiments"
        element={
          <Layout>
            <ExperimentsPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/experiments/:experimentId"
        element={
          <Layout>
            <RunsPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/experiments/:experimentId/traces"
        element={
          <Layout>
            <TracesPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/traces/:traceId"
        element={
          <Layout>
            <TracePage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/runs/:runId"
        element={
          <Layout>
            <RunPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/compare"
        element={
          <Layout>
            <ComparePage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/models"
        element={
          <Layout>
            <ModelsPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/models/:name"
        element={
          <Layout>
            <ModelPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/models/:name/versions/:version"
        element={
          <Layout>
            <ModelPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/jobs"
        element={
          <Layout>
            <JobsPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/jobs/:name"
        element={
          <Layout>
            <JobPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/pipelines/:name"
        element={
          <Layout>
            <PipelinePage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/sweeps/:name"
        element={
          <Layout>
            <SweepPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/schedules"
        element={
          <Layout>
            <SchedulesPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/schedules/:name"
        element={
          <Layout>
            <SchedulePage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/monitors"
        element={
          <Layout>
            <MonitorsPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/monitors/:name"
        element={
          <Layout>
            <MonitorPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/monitors/:name/runs/:run"
        element={
          <Layout>
            <MonitorRunPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/policy"
        element={
          <Layout>
            <PolicyPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/components"
        element={
          <Layout>
            <ComponentsPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/components/:name"
        element={
          <Layout>
            <ComponentPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/components/:name/versions/:version"
        element={
          <Layout>
            <ComponentPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/advisor"
        element={
          <Layout>
            <AdvisorPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/cost"
        element={
          <Layout>
            <CostPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/computes"
        element={
          <Layout>
            <ComputesPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/computes/:name"
        element={
          <Layout>
            <ComputePage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/endpoints"
        element={
          <Layout>
            <EndpointsPage />
          </Layout>
        }
      />
      <Route
        path="/w/:workspace/endpoints/:name"
        element={
          <Layout>
            <EndpointPage />
          </Layout>
        }
      />
      <Route
        path="*"
        element={
          <Layout>
            <EmptyState title="No such page">
              <p>This address is not a page of the studio. Start from the experiments.</p>
            </EmptyState>
          </Layout>
        }
      />
    </Routes>
  );
}

/**
 * A workspace's front page: its experiments, or, for a link into MLflow's web UI (the server
 * sends `<tracking URI>/#/...` here with the fragment), the studio's page for what it names.
 */
function WorkspaceLanding() {
  const { workspace = 'default' } = useParams();
  const { hash } = useLocation();
  return <Navigate to={studioPathForMlflowHash(workspace, hash) ?? `/w/${encodeURIComponent(workspace)}/experiments`} replace />;
}
