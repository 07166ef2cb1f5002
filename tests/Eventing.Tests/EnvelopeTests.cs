using System.Text;

namespace Eventing.Tests;

public sealed class EnvelopeTests
{
    private static Envelope NewEnvelope() => new("tests.order-placed", Encoding.UTF8.GetBytes("{\"number\":1}"));

    [Theory]
    [InlineData("Tenant", "uppercase")]
    [InlineData("ten-ant", "'-'")]
    [InlineData("averyveryverylongheadername", "at most 20")]
    [InlineData("", "empty")]
    [InlineData("id", "required CloudEvents attribute")]
    public void A_header_name_that_breaks_the_CloudEvents_rules_is_refused_naming_the_header(string name, string problem)
    {
        var error = Assert.Throws<InvalidHeaderException>(() => NewEnvelope().Headers[name] = "value");
        Assert.Equal(name, error.Header);
        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_header_value_with_NUL_is_refused()
    {
        var error = Assert.Throws<InvalidHeaderException>(() => NewEnvelope().Headers["tenant"] = "a\0b");
        Assert.Contains("NUL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_value_over_8_KiB_of_UTF8_is_refused_but_8_KiB_is_accepted()
    {
        var envelope = NewEnvelope();
        envelope.Headers["big"] = new string('a', 8192);
        Assert.Throws<InvalidHeaderException>(() => envelope.Headers["big"] = new string('a', 8193));

        // 2,800 'é' are 5,600 bytes, 2,800 '€' are 8,400 bytes: the limit is in UTF-8 bytes, not characters.
        envelope.Headers["accent"] = new string('é', 2800);
        Assert.Throws<InvalidHeaderException>(() => envelope.Headers["euro"] = new string('€', 2800));
    }

    [Fact]
    public void Headers_keep_insertion_order_replace_in_place_and_remove()
    {
        var headers = NewEnvelope().Headers;
        headers["b"] = "1";
        headers["a"] = "2";
        headers["c"] = "3";
        headers["b"] = "4";
        Assert.True(headers.Remove("a"));
        Assert.False(headers.Remove("a"));
        var seen = new List<string>();
        foreach (var header in headers)
        {
            seen.Add($"{header.Key}={header.Value}");
        }

        Assert.Equal(["b=4", "c=3"], seen);
    }

    [Fact]
    public void Attributes_enumerate_the_required_attributes_then_the_extensions()
    {
        var envelope = NewEnvelope();
        envelope.Headers["tenant"] = "acme";
        var names = new List<string>();
        foreach (var attribute in envelope.GetAttributes())
        {
            names.Add(attribute.Key);
        }

        Assert.Equal(["specversion", "id", "type", "source", "time", "datacontenttype", "tenant"], names);
    }

    [Theory]
    [InlineData("ce_tenant", "tenant")]
    [InlineData("ce-tenant", "tenant")]
    [InlineData("cloudEvents_tenant", "tenant")]
    [InlineData("cloudEvents:tenant", "tenant")]
    [InlineData("ce_id", "id")]
    public void Every_CloudEvents_header_prefix_is_read(string header, string attribute)
    {
        Assert.True(CloudEventAttributes.TryGetAttributeName(header, out var name));
        Assert.Equal(attribute, name);
    }

    [Theory]
    [InlineData("content-type")]
    [InlineData("ce_")]
    [InlineData("x-tenant")]
    public void Other_headers_are_not_attributes(string header) =>
        Assert.False(CloudEventAttributes.TryGetAttributeName(header, out _));

    [Fact]
    public void Attributes_read_from_the_wire_that_break_the_rules_are_dropped_not_thrown()
    {
        var envelope = NewEnvelope();
        Assert.False(envelope.TrySetAttribute("Bad-Name", "x"));
        Assert.False(envelope.TrySetAttribute("time", "not a time"));
        Assert.True(envelope.TrySetAttribute("time", "2026-11-25T10:00:00.5Z"));
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 10, 0, 0, 500, TimeSpan.Zero), envelope.Time);
        Assert.Equal(0, envelope.Headers.Count);
    }

    [Fact]
    public void A_structured_CloudEvent_round_trips_every_attribute_and_the_data()
    {
        var envelope = NewEnvelope();
        envelope.Source = "/eventing/tests";
        envelope.Headers["tenant"] = "acme";
        envelope.CorrelationId = "c-1";
        var structured = StructuredCloudEvent.ToStructured(envelope);
        Assert.True(structured.IsStructured);
        Assert.Equal(envelope.Id, structured.Id);

        var json = Encoding.UTF8.GetString(structured.Body.Span);
        Assert.Contains("\"data\":{\"number\":1}", json, StringComparison.Ordinal);
        Assert.Contains("\"specversion\":\"1.0\"", json, StringComparison.Ordinal);

        var decoded = StructuredCloudEvent.Decode(structured.Body);
        Assert.Equal(envelope.Id, decoded.Id);
        Assert.Equal(envelope.Type, decoded.Type);
        Assert.Equal(envelope.Source, decoded.Source);
        Assert.Equal(envelope.Time, decoded.Time);
        Assert.Equal("application/json", decoded.DataContentType);
        Assert.Equal("acme", decoded.Headers["tenant"]);
        Assert.Equal("c-1", decoded.CorrelationId);
        Assert.Equal("{\"number\":1}", Encoding.UTF8.GetString(decoded.Body.Span));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"id\":\"1\"}")]
    public void A_broken_structured_CloudEvent_is_a_clear_exception(string body)
    {
        var error = Assert.Throws<MalformedEnvelopeException>(() => StructuredCloudEvent.Decode(Encoding.UTF8.GetBytes(body)));
        Assert.StartsWith("Malformed envelope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_id_longer_than_255_bytes_is_refused()
    {
        var envelope = NewEnvelope();
        Assert.Throws<ArgumentException>(() => envelope.Id = new string('x', 256));
        envelope.Id = new string('x', 255);
        Assert.Equal(255, envelope.Id.Length);
    }
}
