using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Eventing.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A real ASP.NET Core authentication scheme for tests: header <c>X-Test-User: name@tenant</c> signs in as
/// <c>name</c> with claim <c>tenant</c> (<c>name@</c>: no tenant claim). No header: not authenticated, so 401.
/// </summary>
internal sealed class TestUsers(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Test";
    public const string Header = "X-Test-User";
    public const string Policy = "staff";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (Request.Headers[Header] is not [{ Length: > 0 } value])
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var at = value.IndexOf('@', StringComparison.Ordinal);
        var claims = new List<Claim> { new(ClaimTypes.Name, at < 0 ? value : value[..at]) };
        if (at >= 0 && at < value.Length - 1)
        {
            claims.Add(new Claim("tenant", value[(at + 1)..]));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}
