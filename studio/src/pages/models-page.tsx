import { Link, useNavigate, useParams } from 'react-router';
import { listModels, type Asset } from '../api/models.js';
import { DataTable, type Column } from '../components/data-table.js';
import { EmptyState, ErrorNotice, Loading } from '../components/notice.js';
import { useApi } from '../lib/use-api.js';

/** The registry: every model with its newest version. */
export function ModelsPage() {
  const { workspace = 'default' } = useParams();
  const navigate = useNavigate();
  const models = useApi(() => listModels(workspace), workspace);
  const columns: Column<Asset>[] = [
    {
      id: 'name',
      header: 'Model',
      render: (model) => <Link to={`/w/${workspace}/models/${encodeURIComponent(model.name)}`}>{model.name}</Link>,
    },
    { id: 'version', header: 'Latest version', render: (model) => model.version ?? '' },
    { id: 'type', header: 'Type', render: (model) => String(model.spec.type ?? '') },
    { id: 'by', header: 'Registered by', render: (model) => model.createdBy },
    { id: 'at', header: 'Registered', render: (model) => model.createdAt.replace('T', ' ').slice(0, 19) },
    { id: 'description', header: 'Description', render: (model) => model.description ?? '' },
  ];
  return (
    <section>
      <h1>Models</h1>
      {models.error ? <ErrorNotice error={models.error} /> : null}
      {models.loading && !models.data ? <Loading what="models" /> : null}
      {models.data?.length === 0 ? (
        <EmptyState title="No models registered yet">
          <p>Register one from a run with MLflow, or from a folder with Trellis:</p>
          <pre>{`mlflow.sklearn.log_model(model, name="model", registered_model_name="iris-classifier")
# or
trellis model create --name iris-classifier --version 1 --path ./model --type mlflow_model`}</pre>
        </EmptyState>
      ) : null}
      {models.data && models.data.length > 0 ? (
        <DataTable
          label="Models"
          columns={columns}
          rows={models.data}
          rowKey={(model) => model.name}
          onOpen={(model) => navigate(`/w/${workspace}/models/${encodeURIComponent(model.name)}`)}
        />
      ) : null}
    </section>
  );
}
