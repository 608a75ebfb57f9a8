import { Link, useNavigate, useParams } from 'react-router';
import { searchExperiments, type Experiment } from '../api/mlflow.js';
import { DataTable, type Column } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { formatTime } from '../lib/format.js';
import { useApi } from '../lib/use-api.js';

/** Every experiment of the workspace, most recently updated first. */
export function ExperimentsPage() {
  const { workspace = 'default' } = useParams();
  const navigate = useNavigate();
  const experiments = useApi(async () => {
    const all: Experiment[] = [];
    let token: string | undefined;
    do {
      const page = await searchExperiments(workspace, token);
      all.push(...page.items);
      token = page.nextPageToken;
    } while (token);
    return all;
  }, workspace);
  const open = (experiment: Experiment) => navigate(`/w/${workspace}/experiments/${experiment.experiment_id}`);
  const columns: Column<Experiment>[] = [
    { id: 'name', header: 'Name', render: (item) => <Link to={`/w/${workspace}/experiments/${item.experiment_id}`}>{item.name}</Link> },
    { id: 'id', header: 'ID', render: (item) => <code>{item.experiment_id}</code> },
    { id: 'created', header: 'Created', render: (item) => formatTime(item.creation_time) },
    { id: 'updated', header: 'Last update', render: (item) => formatTime(item.last_update_time) },
  ];
  return (
    <section>
      <h1>Experiments</h1>
      {experiments.error ? (
        <ErrorNotice
          error={experiments.error}
          action={
            <button type="button" onClick={experiments.reload}>
              Try again
            </button>
          }
        />
      ) : null}
      {experiments.loading && !experiments.data ? <Loading what="experiments" /> : null}
      {experiments.data && experiments.data.length === 0 ? (
        <EmptyState title="No experiments yet">
          <p>Runs logged with MLflow, and every Trellis job, land in an experiment. Log a first run against this server:</p>
          <pre>{`pip install mlflow
export MLFLOW_TRACKING_URI=${window.location.origin}${workspace === 'default' ? '' : `/workspaces/${workspace}/mlflow`}
python -c "import mlflow; mlflow.set_experiment('first'); mlflow.start_run(); mlflow.log_metric('loss', 0.5); mlflow.end_run()"`}</pre>
          <p>
            or submit a job: <code>trellis job create --file job.yml</code>
          </p>
        </EmptyState>
      ) : null}
      {experiments.data && experiments.data.length > 0 ? (
        <DataTable label="Experiments" columns={columns} rows={experiments.data} rowKey={(item) => item.experiment_id} onOpen={open} />
      ) : null}
    </section>
  );
}
