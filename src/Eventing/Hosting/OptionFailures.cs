using Microsoft.Extensions.Options;

namespace Eventing.Hosting;

/// <summary>
/// What an options validator found, each failure naming the option, its value (never a secret) and what it must
/// be: the checks every provider's validator makes, worded once.
/// </summary>
/// <param name="optionsName">The options type's name, the prefix of every option named.</param>
internal sealed class OptionFailures(string optionsName)
{
    /// <summary>Every failure so far; checks elsewhere (endpoint lists) add to it directly.</summary>
    public List<string> All { get; } = [];

    /// <summary>Adds a failure worded by the caller.</summary>
    public void Add(string failure) => All.Add(failure);

    /// <summary>The option must be a positive interval.</summary>
    public void Positive(string option, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            All.Add($"{optionsName}.{option} is {value}; it must be positive.");
        }
    }

    /// <summary>The option must not be shorter than another one.</summary>
    public void NotShorter(string option, TimeSpan value, string otherOption, TimeSpan other)
    {
        if (value < other)
        {
            All.Add($"{optionsName}.{option} is {value}; it must not be shorter than {otherOption} ({other}).");
        }
    }

    /// <summary>The option must lie between <paramref name="min"/> and <paramref name="max"/>, both included.</summary>
    public void Between(string option, long value, long min, long max, string? hint = null)
    {
        if (value < min || value > max)
        {
            All.Add($"{optionsName}.{option} is {value}; it must be between {min} and {max}{hint}.");
        }
    }

    /// <summary>The option must be a named member of its enum.</summary>
    public void Defined<TEnum>(string option, TEnum value)
        where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            All.Add($"{optionsName}.{option} is {value}; it must be one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
        }
    }

    /// <summary>
    /// The option must be an absolute URI with one of <paramref name="schemes"/>. Returns whether it is. Its value is
    /// never shown: without <c>scheme://</c> (<c>guest:secret@host:5672</c>) <see cref="Uri"/> takes the user for the
    /// scheme and the password for the path, so no masking could be trusted to find the password.
    /// </summary>
    public bool AbsoluteUri(string option, Uri? uri, string example, params string[] schemes)
    {
        if (uri is not null && uri.IsAbsoluteUri && schemes.Contains(uri.Scheme, StringComparer.Ordinal) && !string.IsNullOrEmpty(uri.Host))
        {
            return true;
        }

        var allowed = string.Join(" or ", schemes.Select(scheme => scheme + "://"));
        All.Add($"{optionsName}.{option} is {(uri is null ? "null" : $"not an absolute {allowed} URI (its value is not shown: it may hold a password)")}; it must be an absolute {allowed} URI, e.g. {example}.");
        return false;
    }

    /// <summary>Success, or every failure at once.</summary>
    public ValidateOptionsResult Result() => All.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(All);
}
