namespace Eventing.Conformance;

/// <summary>A target whose broker the tests may stop, start and restart (keeping its data).</summary>
public interface IRestartableBroker
{
    /// <summary>Stops the broker and starts it again with its data; returns when it accepts connections.</summary>
    Task RestartBrokerAsync(CancellationToken cancellationToken);

    /// <summary>Stops the broker, keeping its data.</summary>
    Task StopBrokerAsync(CancellationToken cancellationToken);

    /// <summary>Starts the stopped broker; returns when it accepts connections.</summary>
    Task StartBrokerAsync(CancellationToken cancellationToken);

    /// <summary>Kills the broker with SIGKILL (a crash, no clean shutdown), keeping its data; start it again with <see cref="StartBrokerAsync"/>.</summary>
    Task KillBrokerAsync(CancellationToken cancellationToken);
}
