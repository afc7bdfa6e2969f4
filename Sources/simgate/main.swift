import SimgateCLI
await CLIRunner.main()
