using Eventing;

namespace Eventing.Benchmarks.Local;

[Event("bench.order-placed")]
public sealed record BenchmarkOrder(int Number, string Customer, decimal Total);
