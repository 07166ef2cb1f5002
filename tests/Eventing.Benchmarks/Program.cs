using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// `dotnet run -c Release --project tests/Eventing.Benchmarks -- --filter '*Local*'` runs one group;
// `--filter '*'` runs them all. Broker benchmarks expect `eng/services.sh up` first.
//
// `-- --smoke --filter '*'` runs every benchmark case once, in process, and exits non-zero if one failed (threw,
// or its setup did): the throughput benchmarks fail when a twin or a provider loses messages, so this proves that
// each still runs and still holds. The suite (eng/test.sh) does it; the figures it prints mean nothing.
//
// `-- delay-queues` prints the figures behind the RabbitMQ delay queues of delayed retries (not a benchmark case).
if (args is ["delay-queues"])
{
    return await Eventing.Benchmarks.RabbitMq.DelayQueueMeasurement.RunAsync();
}

// `-- rabbitmq-costs` runs the RabbitMQ throughput scenarios round-robin, three passes, and prints the medians of
// throughput, client and broker CPU, allocations and wire bytes per message (not a benchmark case either).
if (args is ["rabbitmq-costs"])
{
    return await Eventing.Benchmarks.RabbitMq.RabbitMqCostMeasurement.RunAsync();
}

// `-- scaling` prints how throughput and allocation grow with listeners, body size and concurrency on the local and
// RabbitMq providers (not a benchmark case: its large cases take minutes).
if (args is ["scaling"])
{
    return await Eventing.Benchmarks.Scaling.ScalingMeasurement.RunAsync();
}

const string SmokeFlag = "--smoke";
var smoke = args.Contains(SmokeFlag);
var switcher = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly);
if (!smoke)
{
    switcher.Run(args);
    return 0;
}

// A mutator changes every job a benchmark declares (attributes and configs included) instead of adding one. Dry is
// one cold launch and iteration; no warm-up and one invocation make it a single call.
var once = Job.Dry
    .WithWarmupCount(0)
    .WithInvocationCount(1)
    .WithToolchain(InProcessEmitToolchain.Instance)
    .AsMutator();
var summaries = switcher.Run([.. args.Where(arg => arg != SmokeFlag)], DefaultConfig.Instance.AddJob(once));

var cases = summaries.SelectMany(summary => summary.Reports).ToList();
var failures = cases.Where(report => !report.Success).Select(report => report.BenchmarkCase.DisplayInfo)
    .Concat(summaries.SelectMany(summary => summary.ValidationErrors.Where(error => error.IsCritical).Select(error => error.Message)))
    .ToList();
foreach (var failure in failures)
{
    Console.Error.WriteLine("Benchmark smoke run failed: " + failure);
}

if (cases.Count == 0)
{
    Console.Error.WriteLine("Benchmark smoke run: no benchmark case ran (does the filter match?).");
    return 1;
}

Console.WriteLine($"Benchmark smoke run: {cases.Count(report => report.Success)} of {cases.Count} cases ran, {failures.Count} failures.");
return failures.Count == 0 ? 0 : 1;
