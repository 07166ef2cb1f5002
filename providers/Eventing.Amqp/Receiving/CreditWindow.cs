using Amqp;

namespace Eventing.Amqp.Receiving;

/// <summary>
/// Link credit of one receiver link, issued only when the broker has none left.
/// </summary>
/// <remarks>
/// Measured on RabbitMQ 3.10: when a flow frame is sent while transfers are on the wire, the broker takes the
/// new link-credit as its own without subtracting those transfers, sends more than the client allows, and
/// AMQPNetLite 2.5.5 closes the whole connection ("There is no credit to accept a new delivery"). With
/// AMQPNetLite's automatic credit and settlements from other threads that happened every few hundred messages.
/// So credit is managed by hand: a flow is only sent when every granted transfer has arrived (nothing can be on
/// the wire) and at most half of the window is still unsettled; it then grants the rest of the window.
/// </remarks>
internal sealed class CreditWindow
{
    private readonly ReceiverLink _link;
    private readonly int _window;
    private readonly Lock _gate = new();
    private int _outstanding;
    private int _held;

    public CreditWindow(ReceiverLink link, int window)
    {
        _link = link;
        _window = window;
    }

    public ReceiverLink Link => _link;

    /// <summary>Grants the whole window; call once after attaching.</summary>
    public void Open()
    {
        lock (_gate)
        {
            _outstanding = _window;
            _link.SetCredit(_window, CreditMode.Manual);
        }
    }

    /// <summary>A transfer arrived (on the I/O thread).</summary>
    public void Received()
    {
        lock (_gate)
        {
            _outstanding--;
            _held++;
            MaybeGrant();
        }
    }

    /// <summary>A delivery of this link was settled.</summary>
    public void Settled()
    {
        lock (_gate)
        {
            _held--;
            MaybeGrant();
        }
    }

    /// <summary>No more credit: stop granting (the broker uses up what it has).</summary>
    public void Close()
    {
        lock (_gate)
        {
            // Granting stops because the window is never reopened; `_held` keeps counting harmlessly.
            _outstanding = int.MinValue / 2;
        }
    }

    private void MaybeGrant()
    {
        if (_outstanding != 0 || _held > _window / 2 || _link.IsClosed)
        {
            return;
        }

        var grant = _window - _held;
        _outstanding = grant;
        try
        {
            _link.SetCredit(grant, CreditMode.Manual);
        }
        catch (AmqpException)
        {
            // The link is going away; its replacement gets a window of its own.
        }
    }
}
