using DnsClient;
using DnsClient.Protocol;

namespace KitaLink.Api.Guardians.AddressCheck;

/// <summary>
/// Can the domain receive mail? Asks the DNS for MX records and, when there are none, for A/AAAA records
/// (RFC 5321 section 5.1: the domain itself is then the mail host). A null MX (RFC 7505, a single MX
/// with the root as exchange) means "accepts no mail". Every DNS failure (timeout, SERVFAIL, REFUSED,
/// no server reachable) is <see cref="MailServerCheck.Unknown"/>: the caller must treat it as "could not
/// check", never as a refusal. The whole lookup is bounded by <paramref name="timeout"/>.
/// </summary>
/// <remarks>
/// "No mail server" is believed only when the same resolver can find the MX of <paramref name="referenceDomain"/>
/// (a domain known to receive mail): a resolver without a way out (an offline machine, a captive or split-horizon
/// network) answers "no such domain" for every name, and such an answer says nothing about the guardian's domain.
/// </remarks>
public sealed class MailDomainLookup(IDnsQuery? dns, TimeSpan timeout, string? referenceDomain = null)
{
    public async Task<MailServerCheck> CheckAsync(string asciiDomain, CancellationToken cancellationToken)
    {
        if (dns is null)
        {
            // No resolver on this machine (nothing configured, nothing in the system settings).
            return MailServerCheck.Unknown;
        }
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout);
        try
        {
            var mx = await dns.QueryAsync(asciiDomain, QueryType.MX, QueryClass.IN, budget.Token);
            if (Failed(mx))
            {
                return MailServerCheck.Unknown;
            }
            if (mx.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain)
            {
                return await NoneIfResolverSeesMailAsync(budget.Token);
            }
            var exchanges = mx.Answers.OfType<MxRecord>().ToList();
            if (exchanges.Count > 0)
            {
                return exchanges.All(IsNullMx) ? MailServerCheck.None : MailServerCheck.Mx;
            }

            // No MX: the implicit MX is the domain's own address (A or AAAA); both asked at once.
            var a = dns.QueryAsync(asciiDomain, QueryType.A, QueryClass.IN, budget.Token);
            var aaaa = dns.QueryAsync(asciiDomain, QueryType.AAAA, QueryClass.IN, budget.Token);
            var answers = await Task.WhenAll(a, aaaa);
            if (answers.Any(r => !Failed(r) && r.Answers.Any(record => record is ARecord or AaaaRecord)))
            {
                return MailServerCheck.AddressRecord;
            }
            return answers.Any(Failed) ? MailServerCheck.Unknown : await NoneIfResolverSeesMailAsync(budget.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return MailServerCheck.Unknown;
        }
        catch (DnsResponseException)
        {
            return MailServerCheck.Unknown;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return MailServerCheck.Unknown;
        }
    }

    /// <summary>
    /// <see cref="MailServerCheck.None"/> when the resolver finds the reference domain's mail servers, else
    /// <see cref="MailServerCheck.Unknown"/>. The client's cache keeps the reference answer, so this costs one
    /// query per cache period, and only for domains that look dead.
    /// </summary>
    private async Task<MailServerCheck> NoneIfResolverSeesMailAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(referenceDomain))
        {
            return MailServerCheck.None;
        }
        var reference = await dns!.QueryAsync(referenceDomain, QueryType.MX, QueryClass.IN, cancellationToken);
        var seesMail = !Failed(reference) && reference.Answers.OfType<MxRecord>().Any(record => !IsNullMx(record));
        return seesMail ? MailServerCheck.None : MailServerCheck.Unknown;
    }

    /// <summary>An answer that says nothing about the domain: server failure, refusal, malformed. NXDOMAIN is an answer.</summary>
    private static bool Failed(IDnsQueryResponse response) =>
        response.Header.ResponseCode is not (DnsHeaderResponseCode.NoError or DnsHeaderResponseCode.NotExistentDomain);

    private static bool IsNullMx(MxRecord record) =>
        record.Exchange.Value is "." or "";
}
