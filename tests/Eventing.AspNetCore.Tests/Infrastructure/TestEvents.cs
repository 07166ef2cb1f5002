namespace Eventing.AspNetCore.Tests.Infrastructure;

/// <summary>An event of one tenant; the streams under test show it only to that tenant.</summary>
public interface ITenanted
{
    string Tenant { get; }
}

/// <summary>The main test event. <see cref="Run"/> is unique per test, so a test on the shared broker sees only its own.</summary>
[Event("aspnetcore.tests.order")]
public sealed record TestOrder(string Run, string Tenant, int Seq, string Padding = "") : ITenanted;

/// <summary>A second event type, for narrowing with <c>?types=</c> and filters on the event.</summary>
[Event("aspnetcore.tests.note")]
public sealed record TestNote(string Run, string Tenant, int Seq, bool Public) : ITenanted;

/// <summary>An event that is not <see cref="ITenanted"/>, to show a per-user filter refuses a stream it cannot judge.</summary>
[Event("aspnetcore.tests.untenanted")]
public sealed record Untenanted(string Run);
