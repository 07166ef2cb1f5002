using System.Globalization;
using System.Text;
using Eventing.Stomp.Client.Protocol;

namespace Eventing.Stomp.Client.Connections;

/// <summary>CONNECT and its answer: STOMP 1.2, the broker's <c>server</c> header and the heart-beats both sides agreed on.</summary>
internal static class StompHandshake
{
    /// <summary>The CONNECT frame, unescaped as STOMP 1.2 wants (the options validator keeps CR, LF and NUL out of it).</summary>
    public static FrameBuffer Connect(StompEndpoint endpoint)
    {
        var heartBeat = (long)endpoint.HeartBeat.TotalMilliseconds;
        var connect = new FrameBuffer(256);
        StompFrameEncoder.WriteCommand(connect, StompCommands.Connect);
        StompFrameEncoder.WriteHeader(connect, StompHeaders.AcceptVersion, "1.2", escape: false);
        StompFrameEncoder.WriteHeader(connect, StompHeaders.Host, endpoint.VirtualHost, escape: false);
        if (endpoint.Login is not null)
        {
            StompFrameEncoder.WriteHeader(connect, StompHeaders.Login, endpoint.Login, escape: false);
        }

        if (endpoint.Passcode is not null)
        {
            StompFrameEncoder.WriteHeader(connect, StompHeaders.Passcode, endpoint.Passcode, escape: false);
        }

        StompFrameEncoder.WriteHeader(connect, StompHeaders.HeartBeat, string.Create(CultureInfo.InvariantCulture, $"{heartBeat},{heartBeat}"), escape: false);
        StompFrameEncoder.WriteEnd(connect);
        return connect;
    }

    /// <summary>Checks the answer to CONNECT and reads what was agreed.</summary>
    /// <exception cref="StompErrorFrameException">The broker refused the connection (bad credentials, unknown vhost).</exception>
    /// <exception cref="StompProtocolException">The answer is not CONNECTED for STOMP 1.2.</exception>
    public static (string Version, string Server, HeartBeats HeartBeats) Read(StompFrame reply, StompEndpoint endpoint)
    {
        if (reply.Command == StompCommands.Error)
        {
            throw ErrorFrame(reply, endpoint, "refused the connection");
        }

        if (reply.Command != StompCommands.Connected)
        {
            throw new StompProtocolException($"{endpoint} answered CONNECT with {reply.Command} instead of CONNECTED.");
        }

        var version = reply[StompHeaders.Version] ?? "1.0";
        if (version != "1.2")
        {
            throw new StompProtocolException($"{endpoint} speaks STOMP {version}; Eventing needs STOMP 1.2.");
        }

        return (version, reply[StompHeaders.Server] ?? string.Empty, HeartBeats.Negotiate(endpoint.HeartBeat, reply[StompHeaders.HeartBeat], endpoint.Display));
    }

    /// <summary>The exception for an ERROR frame: the endpoint, what the client was doing, the broker's message and details.</summary>
    public static StompErrorFrameException ErrorFrame(StompFrame frame, StompEndpoint endpoint, string what)
    {
        var message = frame[StompHeaders.Message];
        var details = frame.Body.IsEmpty ? null : Encoding.UTF8.GetString(frame.Body.Span).Trim();
        var text = new StringBuilder().Append(endpoint.Display).Append(' ').Append(what).Append(": ").Append(message ?? "(no message header)");
        if (!string.IsNullOrEmpty(details) && details != message)
        {
            text.Append(" — ").Append(details);
        }

        return new StompErrorFrameException(text.ToString(), message, details);
    }
}
