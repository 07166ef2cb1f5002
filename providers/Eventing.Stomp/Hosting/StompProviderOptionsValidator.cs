using Eventing.Hosting;
using Eventing.Providers;
using Eventing.Stomp.Client.Connections;
using Microsoft.Extensions.Options;

namespace Eventing.Stomp.Hosting;

/// <summary>Checks <see cref="StompProviderOptions"/> at start, naming the option and the allowed values.</summary>
internal sealed class StompProviderOptionsValidator(IOptions<EventingOptions> eventing) : IValidateOptions<StompProviderOptions>
{
    /// <summary>Room for the headers of a frame whose body is as large as the core accepts.</summary>
    public const int HeaderAllowanceBytes = 64 * 1024;

    public ValidateOptionsResult Validate(string? name, StompProviderOptions options)
    {
        var failures = Check(options, eventing.Value.MaxEnvelopeBytes);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem of <paramref name="options"/>; with <paramref name="maxEnvelopeBytes"/>, also whether the frame limit fits it.</summary>
    public static List<string> Check(StompProviderOptions options, int? maxEnvelopeBytes = null)
    {
        var checks = new OptionFailures(nameof(StompProviderOptions));
        var failures = checks.All;
        if (options.Uri is null || !options.Uri.IsAbsoluteUri ||
            options.Uri.Scheme is not ("stomp" or "stomp+ssl" or "stomp+tls") || string.IsNullOrEmpty(options.Uri.Host))
        {
            failures.Add($"StompProviderOptions.Uri is '{(options.Uri is null ? "(null)" : BrokerEndpoint.Describe(options.Uri, null, StompEndpoint.DefaultPort, includePath: true))}'; it must be an absolute stomp://host:port or stomp+ssl://host:port URI, e.g. stomp://admin:admin@127.0.0.1:61613.");
        }
        else
        {
            // CONNECT is the one frame STOMP 1.2 writes unescaped: a CR, LF or NUL decoded from the URI would end
            // the header and inject others (or end the frame). The value itself is never shown: it may be a secret.
            NoControlCharacters(failures, BrokerEndpoint.UserFrom(options.Uri), "the user name of StompProviderOptions.Uri");
            NoControlCharacters(failures, BrokerEndpoint.PasswordFrom(options.Uri), "the password of StompProviderOptions.Uri");
            if (options.Host is null)
            {
                NoControlCharacters(failures, StompEndpoint.VirtualHostOf(options.Uri), "the virtual host (path) of StompProviderOptions.Uri");
            }

            EndpointList.Validate(failures, nameof(StompProviderOptions), options.Uri, options.Endpoints, options.EndpointOrder, compareVirtualHost: options.Host is null);
        }

        checks.Defined(nameof(options.QueueType), options.QueueType);
        if (options.QueueType == StompQueueType.Quorum && options.Topology is StompTopologyKind.ActiveMq or StompTopologyKind.Artemis)
        {
            failures.Add($"StompProviderOptions.QueueType is Quorum, which only RabbitMQ has, but StompProviderOptions.Topology is {options.Topology}. Use Classic, or the RabbitMq (or Auto) topology.");
        }

        NoControlCharacters(failures, options.Host, "StompProviderOptions.Host");
        checks.Defined(nameof(options.Topology), options.Topology);
        checks.Positive(nameof(options.ConnectTimeout), options.ConnectTimeout);
        checks.Positive(nameof(options.SendTimeout), options.SendTimeout);
        checks.Positive(nameof(options.ReconnectMinDelay), options.ReconnectMinDelay);
        checks.NotShorter(nameof(options.ReconnectMaxDelay), options.ReconnectMaxDelay, nameof(options.ReconnectMinDelay), options.ReconnectMinDelay);

        if (options.HeartBeat < TimeSpan.Zero || options.HeartBeat.TotalMilliseconds > int.MaxValue)
        {
            failures.Add($"StompProviderOptions.HeartBeat is {options.HeartBeat}; it must be zero (off) or a positive interval.");
        }

        if (options.Prefetch is { } prefetch)
        {
            checks.Between(nameof(options.Prefetch), prefetch, 1, 65535, ", or null (automatic)");
        }

        if (options.MaxFrameBytes < 4096)
        {
            failures.Add($"StompProviderOptions.MaxFrameBytes is {options.MaxFrameBytes}; it must be at least 4096.");
        }

        // The frame limit decides what the client can read at all; MaxEnvelopeBytes what the core accepts. A frame
        // limit below the envelope limit would turn envelopes the core accepts into dropped bodies.
        if (maxEnvelopeBytes is { } envelopeLimit && options.MaxFrameBytes >= 4096 && options.MaxFrameBytes - (long)HeaderAllowanceBytes < envelopeLimit)
        {
            failures.Add($"StompProviderOptions.MaxFrameBytes is {options.MaxFrameBytes}; it must be at least EventingOptions.MaxEnvelopeBytes ({envelopeLimit}) + {HeaderAllowanceBytes} bytes for headers, or envelopes the core accepts could not be read. Raise MaxFrameBytes or lower MaxEnvelopeBytes.");
        }

        if (options.MaxHeaderCount < 16)
        {
            failures.Add($"StompProviderOptions.MaxHeaderCount is {options.MaxHeaderCount}; it must be at least 16.");
        }

        if (options.MaxHeaderLineBytes < 1024 || options.MaxHeaderLineBytes > options.MaxFrameBytes)
        {
            failures.Add($"StompProviderOptions.MaxHeaderLineBytes is {options.MaxHeaderLineBytes}; it must be between 1024 and MaxFrameBytes.");
        }

        return failures;
    }

    private static void NoControlCharacters(List<string> failures, string? value, string what)
    {
        if (value is not null && value.AsSpan().IndexOfAnyInRange('\0', '\u001f') is var at and >= 0)
        {
            failures.Add($"{what} contains the control character U+{(int)value[at]:X4} (after percent-decoding); CR, LF, NUL and other control characters cannot be sent in a STOMP CONNECT frame. Remove it from the URI.");
        }
    }
}
