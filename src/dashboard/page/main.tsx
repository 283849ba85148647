/** The dashboard's page: hash routes to the views, and the live version every view listens to. */
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Compare } from "./compare.js";
import { href, LiveVersion, parseRoute, useLiveVersion } from "./data.js";
import { Job, Jobs } from "./jobs.js";
import { Overview } from "./overview.js";
import { Run } from "./run.js";
import { Group, Runs } from "./runs.js";
import "./style.css";

const NAV: [string, string][] = [
  ["", "Overview"],
  ["jobs", "Jobs"],
  ["runs", "Runs"],
  ["groups", "Groups"],
  ["compare", "Compare"],
];

function App() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener("hashchange", on);
    // Effects run a frame after the first render: a route changed in between had no listener yet.
    on();
    return () => removeEventListener("hashchange", on);
  }, []);
  const version = useLiveVersion();
  const route = parseRoute(hash);
  let view;
  switch (route.view) {
    case "jobs":
      view = <Jobs route={route} />;
      break;
    case "job":
      view = <Job id={route.arg} />;
      break;
    case "runs":
    case "groups":
      view = <Runs route={route} groups={route.view === "groups"} />;
      break;
    case "run":
      view = <Run id={route.arg} />;
      break;
    case "group":
      view = <Group id={route.arg} />;
      break;
    case "compare":
      view = <Compare route={route} />;
      break;
    default:
      view = <Overview />;
  }
  const current = route.view === "job" ? "jobs" : route.view === "run" ? "runs" : route.view === "group" ? "groups" : route.view;
  return (
    <LiveVersion.Provider value={version}>
      <header>
        <a class="brand" href={href("")}>
          cohort
        </a>
        <nav aria-label="views">
          {NAV.map(([v, label]) => (
            <a key={v} href={href(v)} aria-current={current === v ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main>{view}</main>
    </LiveVersion.Provider>
  );
}

render(<App />, document.getElementById("app")!);
