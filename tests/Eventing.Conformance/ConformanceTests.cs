using System.Globalization;

namespace Eventing.Conformance;

/// <summary>What every conformance test class shares: its target, timeouts, unique names.</summary>
public abstract class ConformanceTests<TTarget>
    where TTarget : ConformanceTarget
{
    /// <summary>How long a test waits for something a working provider does in well under a second.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Creates the tests for <paramref name="target"/>.</summary>
    protected ConformanceTests(TTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        Target = target;
    }

    /// <summary>The provider under test.</summary>
    protected TTarget Target { get; }

    /// <summary>A fresh id for the events of one test.</summary>
    protected static string NewRun() => Guid.NewGuid().ToString("N");

    /// <summary>A listener name unique to this case, target and run, so its queue is new.</summary>
    protected string Listener(string name) => $"{name}-{Target.Name}-{Target.RunId}";

    /// <summary>The CloudEvents attributes of a raw message.</summary>
    protected static Dictionary<string, string> RawAttributes(string id, string type) => new(StringComparer.Ordinal)
    {
        [CloudEventAttributes.SpecVersion] = "1.0",
        [CloudEventAttributes.Id] = id,
        [CloudEventAttributes.Type] = type,
        [CloudEventAttributes.Source] = "/conformance/raw",
        [CloudEventAttributes.Time] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        [CloudEventAttributes.DataContentType] = "application/json",
    };

    /// <summary>The logical queue of listener <paramref name="listener"/> on event <paramref name="eventName"/>.</summary>
    protected static string Queue(string eventName, string listener) => $"{eventName}::{listener}";
}
