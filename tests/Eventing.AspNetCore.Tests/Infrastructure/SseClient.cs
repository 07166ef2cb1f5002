using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;

namespace Eventing.AspNetCore.Tests.Infrastructure;

/// <summary>An <see cref="HttpClient"/> reading Server-Sent Events with the framework's <see cref="SseParser"/>.</summary>
internal sealed class SseClient : StreamClient
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    private SseClient(HttpClient http, HttpResponseMessage response)
    {
        _http = http;
        _response = response;
    }

    public HttpResponseMessage Response => _response;

    public static async Task<SseClient> ConnectAsync(Uri uri, string? user, string? lastEventId = null)
    {
        var (http, response) = await SendAsync(uri, user, lastEventId);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            http.Dispose();
            throw new InvalidOperationException($"GET {uri} answered {(int)response.StatusCode}: {body}");
        }

        var client = new SseClient(http, response);
        client._loop = client.ReadLoopAsync();
        return client;
    }

    public static async Task<HttpResponseMessage> GetAsync(Uri uri, string? user)
    {
        var (http, response) = await SendAsync(uri, user, null);
        using (http)
        {
            await response.Content.LoadIntoBufferAsync();
            return response;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        if (_loop is not null)
        {
            await _loop;
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private static async Task<(HttpClient, HttpResponseMessage)> SendAsync(Uri uri, string? user, string? lastEventId)
    {
        var http = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (user is not null)
        {
            request.Headers.Add(TestUsers.Header, user);
        }

        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Timeout);
        return (http, response);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
            var parser = SseParser.Create(body, (_, data) => data.ToArray());
            await foreach (var item in parser.EnumerateAsync(_stop.Token))
            {
                Received(ReceivedEvent.Parse(item.Data, item.EventId, item.EventType));
            }

            End("end of stream");
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            End("disposed");
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            End("broken: " + exception.Message);
        }
    }
}
