// The entry of the vendored bundle: the libraries the UI uses, as one global.
import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";
import Sigma from "sigma";

window.LockstepVendor = { Graph, Sigma, forceAtlas2 };
