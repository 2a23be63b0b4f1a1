// Preloaded (`node -r`) into a server the bench profiles: SIGUSR2 ends the process at once with
// process.exit(0), so `--cpu-prof` writes its profile (the gateway's own SIGINT shutdown does
// not reach process.exit; see bench/README.md, "Caveats").
process.on('SIGUSR2', () => process.exit(0));
