using System.Diagnostics.CodeAnalysis;
using Eventing.Envelopes;

namespace Eventing;

/// <summary>
/// The extension attributes of an envelope. Names and values are checked against the CloudEvents rules when
/// set: names are 1–20 characters of <c>a-z0-9</c>, values are strings without NUL of at most 8 KiB UTF-8.
/// </summary>
/// <remarks>
/// Envelopes carry a handful of headers, so a small array with linear lookup beats a dictionary in both time
/// and allocations; storage is only allocated when the first header is set.
/// </remarks>
public sealed class EnvelopeHeaders
{
    private KeyValuePair<string, string>[]? _items;
    private int _count;

    /// <summary>How many headers are set.</summary>
    public int Count => _count;

    /// <summary>Gets or sets a header. Getting a missing header throws <see cref="KeyNotFoundException"/>.</summary>
    /// <exception cref="InvalidHeaderException">The name or value breaks the CloudEvents rules.</exception>
    public string this[string name]
    {
        get => TryGetValue(name, out var value)
            ? value
            : throw new KeyNotFoundException($"The envelope has no header '{name}'.");
        set
        {
            EnvelopeRules.CheckHeader(name, value);
            SetUnchecked(name, value);
        }
    }

    /// <summary>Reads a header.</summary>
    public bool TryGetValue(string name, [MaybeNullWhen(false)] out string value)
    {
        var index = IndexOf(name);
        if (index < 0)
        {
            value = null;
            return false;
        }

        value = _items![index].Value;
        return true;
    }

    /// <summary>True when the header is set.</summary>
    public bool ContainsKey(string name) => IndexOf(name) >= 0;

    /// <summary>Sets a header if it follows the rules.</summary>
    /// <returns>False, leaving the headers unchanged, when the name or value breaks the CloudEvents rules.</returns>
    public bool TrySet(string name, string value)
    {
        if (EnvelopeRules.HeaderError(name, value) is not null)
        {
            return false;
        }

        SetUnchecked(name, value);
        return true;
    }

    /// <summary>Removes a header.</summary>
    /// <returns>True when it was set.</returns>
    public bool Remove(string name)
    {
        var index = IndexOf(name);
        if (index < 0)
        {
            return false;
        }

        _count--;
        Array.Copy(_items!, index + 1, _items!, index, _count - index);
        _items![_count] = default;
        return true;
    }

    /// <summary>Removes every header.</summary>
    public void Clear()
    {
        if (_items is not null)
        {
            Array.Clear(_items, 0, _count);
        }

        _count = 0;
    }

    /// <summary>Enumerates the headers in the order they were first set. Allocation-free.</summary>
    public Enumerator GetEnumerator() => new(this);

    /// <summary>Copies the headers into a new dictionary.</summary>
    public Dictionary<string, string> ToDictionary()
    {
        var result = new Dictionary<string, string>(_count, StringComparer.Ordinal);
        foreach (var header in this)
        {
            result[header.Key] = header.Value;
        }

        return result;
    }

    internal void CopyTo(EnvelopeHeaders target)
    {
        for (var i = 0; i < _count; i++)
        {
            target.SetUnchecked(_items![i].Key, _items[i].Value);
        }
    }

    private void SetUnchecked(string name, string value)
    {
        var index = IndexOf(name);
        if (index >= 0)
        {
            _items![index] = new(name, value);
            return;
        }

        if (_items is null)
        {
            _items = new KeyValuePair<string, string>[4];
        }
        else if (_count == _items.Length)
        {
            Array.Resize(ref _items, _items.Length * 2);
        }

        _items[_count++] = new(name, value);
    }

    private int IndexOf(string name)
    {
        var items = _items;
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(items![i].Key, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Enumerates headers without allocating.</summary>
    public struct Enumerator
    {
        private readonly EnvelopeHeaders _headers;
        private int _index;

        internal Enumerator(EnvelopeHeaders headers)
        {
            _headers = headers;
            _index = -1;
        }

        /// <summary>The current header.</summary>
        public readonly KeyValuePair<string, string> Current => _headers._items![_index];

        /// <summary>Moves to the next header.</summary>
        public bool MoveNext() => _headers is not null && ++_index < _headers._count;
    }
}
