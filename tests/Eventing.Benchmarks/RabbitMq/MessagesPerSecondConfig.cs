using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Eventing.Benchmarks.RabbitMq;

/// <summary>Adds a msgs/s column: one benchmark operation is one message.</summary>
public sealed class MessagesPerSecondConfig : ManualConfig
{
    public MessagesPerSecondConfig()
    {
        AddColumn(new MessagesPerSecondColumn());
        // In process: a broker run needs no isolated build, and BenchmarkDotNet's generated project would be
        // rebuilt by every concurrent benchmark run in the same checkout.
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithToolchain(InProcessEmitToolchain.Instance));
    }

    private sealed class MessagesPerSecondColumn : IColumn
    {
        public string Id => "MsgsPerSecond";

        public string ColumnName => "msgs/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Messages per second (1 / mean time per message)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return mean is > 0 ? (1e9 / mean.Value).ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "-";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
