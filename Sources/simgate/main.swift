import SimgateCLI
SimgateCommand.main()
