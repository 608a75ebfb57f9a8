import type { ReactNode } from 'react';
import { Link, NavLink, useNavigate, useParams } from 'react-router';
import { signOut, useSession } from '../api/session.js';
import { listWorkspaces } from '../api/trellis.js';
import { useApi } from '../lib/use-api.js';
import { useTheme } from '../lib/theme.js';
import { SignInPage } from '../pages/sign-in-page.js';

/** The frame of every page: the workspace picker, the sections, who is signed in, the theme switch; or the sign-in page. */
export function Layout({ children }: { children: ReactNode }) {
  const { workspace = 'default' } = useParams();
  const navigate = useNavigate();
  const [theme, setTheme] = useTheme();
  const session = useSession();
  const signedIn = session.status === 'open' ? session.session.principal : undefined;
  // Listed again when someone signs in: what they may see is theirs.
  const workspaces = useApi(listWorkspaces, `workspaces:${signedIn?.name ?? ''}`);
  const names = workspaces.data?.map((item) => item.name) ?? [workspace];
  const themeSwitch = (
    <button
      type="button"
      className="theme"
      onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
      aria-label={`Switch to the ${theme === 'dark' ? 'light' : 'dark'} theme`}
    >
      {theme === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );
  if (session.status === 'signIn')
    return (
      <div className="layout">
        <header className="topbar">
          <span className="brand">
            Trellis <span>studio</span>
          </span>
          <nav />
          {themeSwitch}
        </header>
        <main>
          <SignInPage oidc={session.session.oidc} issuer={session.session.issuer} />
        </main>
      </div>
    );
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
          <NavLink to={`/w/${workspace}/schedules`}>Schedules</NavLink>
          <NavLink to={`/w/${workspace}/monitors`}>Monitors</NavLink>
          <NavLink to={`/w/${workspace}/policy`}>Policy</NavLink>
          <NavLink to={`/w/${workspace}/advisor`}>Advisor</NavLink>
          <NavLink to={`/w/${workspace}/cost`}>Cost</NavLink>
          <NavLink to={`/w/${workspace}/computes`}>Compute</NavLink>
          <NavLink to={`/w/${workspace}/models`}>Models</NavLink>
          <NavLink to={`/w/${workspace}/components`}>Components</NavLink>
          <NavLink to={`/w/${workspace}/endpoints`}>Endpoints</NavLink>
        </nav>
        {signedIn ? (
          <span className="muted signed-in" title={`Signed in as ${signedIn.name}`}>
            {signedIn.name}{' '}
            <button type="button" className="link" onClick={() => void signOut()}>
              Sign out
            </button>
          </span>
        ) : null}
        {themeSwitch}
      </header>
      {/* Keyed by workspace: a page of another workspace starts afresh, never showing this one's data while it loads. */}
      <main key={workspace}>{children}</main>
    </div>
  );
}
