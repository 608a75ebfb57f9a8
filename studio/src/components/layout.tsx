import type { ReactNode } from 'react';
import { Link, NavLink, useNavigate, useParams } from 'react-router';
import { listWorkspaces } from '../api/trellis.js';
import { useApi } from '../lib/use-api.js';
import { useTheme } from '../lib/theme.js';

/** The frame of every page: the workspace picker, the sections, the theme switch. */
export function Layout({ children }: { children: ReactNode }) {
  const { workspace = 'default' } = useParams();
  const navigate = useNavigate();
  const [theme, setTheme] = useTheme();
  const workspaces = useApi(listWorkspaces, 'workspaces');
  const names = workspaces.data?.map((item) => item.name) ?? [workspace];
  return (
    <div className="layout">
      <header className="topbar">
        <Link to={`/w/${workspace}/experiments`} className="brand">
          Trellis <span>studio</span>
        </Link>
        <label className="picker">
          <span>Workspace</span>
          <select
            aria-label="Workspace"
            value={workspace}
            onChange={(event) => navigate(`/w/${encodeURIComponent(event.target.value)}/experiments`)}
          >
            {(names.includes(workspace) ? names : [workspace, ...names]).map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <nav>
          <NavLink to={`/w/${workspace}/experiments`}>Experiments</NavLink>
          <NavLink to={`/w/${workspace}/jobs`}>Jobs</NavLink>
          <NavLink to={`/w/${workspace}/computes`}>Compute</NavLink>
          <NavLink to={`/w/${workspace}/models`}>Models</NavLink>
          <NavLink to={`/w/${workspace}/endpoints`}>Endpoints</NavLink>
        </nav>
        <button
          type="button"
          className="theme"
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          aria-label={`Switch to the ${theme === 'dark' ? 'light' : 'dark'} theme`}
        >
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
      </header>
      {/* Keyed by workspace: a page of another workspace starts afresh, never showing this one's data while it loads. */}
      <main key={workspace}>{children}</main>
    </div>
  );
}
