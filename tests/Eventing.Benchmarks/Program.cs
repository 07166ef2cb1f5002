using BenchmarkDotNet.Running;

// `dotnet run -c Release --project tests/Eventing.Benchmarks -- --filter '*Local*'` runs one group;
// `--filter '*'` runs them all. Broker benchmarks expect `eng/brokers.sh up` first.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
