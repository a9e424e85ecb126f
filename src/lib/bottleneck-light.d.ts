// bottleneck/light.js (the build without Redis clustering, the one Octokit's plugins use) ships no types of its own:
// it is the same Bottleneck class as the package's main entry.
declare module "bottleneck/light.js" {
  import Bottleneck from "bottleneck";
  export default Bottleneck;
}
