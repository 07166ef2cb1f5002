using Eventing.Conformance;

namespace Eventing.Stomp.Tests.Integration;

/// <summary>
/// The real test brokers, started once per test run by <c>eng/brokers.sh up</c> (idempotent). A broker that cannot
/// be started fails the tests; nothing is skipped.
/// </summary>
internal static class TestBrokers
{
    private static readonly Lazy<Task<IReadOnlyDictionary<string, string>>> Up = new(StartAsync);


    public static async Task<Uri> StompUriAsync(string broker) =>
        new((await Up.Value.ConfigureAwait(false))[broker == "rabbitmq" ? "EVENTING_RABBITMQ_STOMP_URI" : "EVENTING_ACTIVEMQ_STOMP_URI"]);

    public static async Task<Uri> AmqpUriAsync() => new((await Up.Value.ConfigureAwait(false))["EVENTING_RABBITMQ_URI"]);

    public static async Task<Uri> WithPasswordAsync(string broker, string password)
    {
        var uri = await StompUriAsync(broker).ConfigureAwait(false);
        var user = uri.UserInfo.Split(':')[0];
        return new UriBuilder(uri) { UserName = user, Password = password }.Uri;
    }

    /// <summary>Runs <c>eng/brokers.sh</c> with <paramref name="arguments"/> (restart, stop, start a broker).</summary>
    public static async Task RunAsync(params string[] arguments)
    {
        await Up.Value.ConfigureAwait(false);
        await RunScriptAsync(arguments).ConfigureAwait(false);
    }

    private static Task<IReadOnlyDictionary<string, string>> StartAsync() => RunScriptAsync("up");

    private static async Task<IReadOnlyDictionary<string, string>> RunScriptAsync(params string[] arguments)
    {
        var output = await EngScript.RunAsync("brokers.sh", arguments, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (line.StartsWith("EVENTING_", StringComparison.Ordinal) && equals > 0)
            {
                values[line[..equals]] = line[(equals + 1)..].Trim();
            }
        }

        return values;
    }
}
