using System.Net;
using DnsClient;
using DnsClient.Protocol;
using KitaLink.Api.Guardians.AddressCheck;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace KitaLink.UnitTests.AddressCheck;

/// <summary>The DNS rules with the DNS client substituted: MX, A/AAAA fallback, null MX, NXDOMAIN, failures.</summary>
public sealed class MailDomainLookupTests
{
    private const string Domain = "kita.example";
    private readonly IDnsQuery _dns = Substitute.For<IDnsQuery>();

    private MailDomainLookup Lookup() => new(_dns, TimeSpan.FromSeconds(5));

    [Fact]
    public async Task MxRecords_MeanMailServer()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NoError, Mx("mx1.kita.example.")));
        Assert.Equal(MailServerCheck.Mx, await Lookup().CheckAsync(Domain, default));
        await _dns.DidNotReceive().QueryAsync(Domain, QueryType.A, QueryClass.IN, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task NoMx_ButARecord_IsTheImplicitMx()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NoError));
        Answer(QueryType.A, Response(DnsHeaderResponseCode.NoError, new ARecord(Info(ResourceRecordType.A), IPAddress.Parse("192.0.2.1"))));
        Answer(QueryType.AAAA, Response(DnsHeaderResponseCode.NoError));
        Assert.Equal(MailServerCheck.AddressRecord, await Lookup().CheckAsync(Domain, default));
    }

    [Fact]
    public async Task NoMx_ButAaaaRecord_IsTheImplicitMx()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NoError));
        Answer(QueryType.A, Response(DnsHeaderResponseCode.NoError));
        Answer(QueryType.AAAA, Response(DnsHeaderResponseCode.NoError, new AaaaRecord(Info(ResourceRecordType.AAAA), IPAddress.Parse("2001:db8::1"))));
        Assert.Equal(MailServerCheck.AddressRecord, await Lookup().CheckAsync(Domain, default));
    }

    [Fact]
    public async Task NoMxNoAddress_IsNoMailServer()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NoError));
        Answer(QueryType.A, Response(DnsHeaderResponseCode.NoError));
        Answer(QueryType.AAAA, Response(DnsHeaderResponseCode.NoError));
        Assert.Equal(MailServerCheck.None, await Lookup().CheckAsync(Domain, default));
    }

    [Fact]
    public async Task NotExistentDomain_IsNoMailServer()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NotExistentDomain));
        Assert.Equal(MailServerCheck.None, await Lookup().CheckAsync(Domain, default));
    }

    [Fact]
    public async Task NullMx_IsNoMailServer()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NoError, Mx(".", preference: 0)));
        Assert.Equal(MailServerCheck.None, await Lookup().CheckAsync(Domain, default));
    }

    [Theory]
    [InlineData(DnsHeaderResponseCode.ServerFailure)]
    [InlineData(DnsHeaderResponseCode.Refused)]
    public async Task ServerError_IsCouldNotCheck(DnsHeaderResponseCode code)
    {
        Answer(QueryType.MX, Response(code));
        Assert.Equal(MailServerCheck.Unknown, await Lookup().CheckAsync(Domain, default));
    }

    [Fact]
    public async Task ErrorOnTheFallback_WithoutAnyAddress_IsCouldNotCheck()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NoError));
        Answer(QueryType.A, Response(DnsHeaderResponseCode.ServerFailure));
        Answer(QueryType.AAAA, Response(DnsHeaderResponseCode.NoError));
        Assert.Equal(MailServerCheck.Unknown, await Lookup().CheckAsync(Domain, default));
    }

    [Fact]
    public async Task ClientTimeout_IsCouldNotCheck()
    {
        _dns.QueryAsync(Domain, QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>())
            .ThrowsAsync(new DnsResponseException(DnsResponseCode.ConnectionTimeout, "timeout"));
        Assert.Equal(MailServerCheck.Unknown, await Lookup().CheckAsync(Domain, default));
    }

    [Fact]
    public async Task AHangingServer_IsCutOffAtTheBudget()
    {
        _dns.QueryAsync(Domain, QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>())
            .Returns(call => Task.Delay(Timeout.Infinite, call.Arg<CancellationToken>()).ContinueWith<IDnsQueryResponse>(
                t => throw new OperationCanceledException(), TaskScheduler.Default));
        var lookup = new MailDomainLookup(_dns, TimeSpan.FromMilliseconds(50));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(MailServerCheck.Unknown, await lookup.CheckAsync(Domain, default));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task NoResolver_IsCouldNotCheck() =>
        Assert.Equal(MailServerCheck.Unknown, await new MailDomainLookup(null, TimeSpan.FromSeconds(1)).CheckAsync(Domain, default));

    [Fact]
    public async Task NotExistentDomain_WhileTheResolverFindsTheReferenceMx_IsNoMailServer()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NotExistentDomain));
        AnswerReference(Response(DnsHeaderResponseCode.NoError, Mx("gmail-smtp-in.l.google.com.")));
        Assert.Equal(MailServerCheck.None, await new MailDomainLookup(_dns, TimeSpan.FromSeconds(5), Reference).CheckAsync(Domain, default));
    }

    [Fact]
    public async Task NotExistentDomain_FromAResolverThatCannotFindTheReference_CouldNotBeChecked()
    {
        // An offline or captive resolver answers "no such domain" for every name.
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NotExistentDomain));
        AnswerReference(Response(DnsHeaderResponseCode.NotExistentDomain));
        Assert.Equal(MailServerCheck.Unknown, await new MailDomainLookup(_dns, TimeSpan.FromSeconds(5), Reference).CheckAsync(Domain, default));
    }

    [Fact]
    public async Task NoMxNoAddress_FromAResolverThatCannotFindTheReference_CouldNotBeChecked()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NoError));
        Answer(QueryType.A, Response(DnsHeaderResponseCode.NoError));
        Answer(QueryType.AAAA, Response(DnsHeaderResponseCode.NoError));
        AnswerReference(Response(DnsHeaderResponseCode.ServerFailure));
        Assert.Equal(MailServerCheck.Unknown, await new MailDomainLookup(_dns, TimeSpan.FromSeconds(5), Reference).CheckAsync(Domain, default));
    }

    [Fact]
    public async Task MxRecords_NeedNoReferenceQuery()
    {
        Answer(QueryType.MX, Response(DnsHeaderResponseCode.NoError, Mx("mx1.kita.example.")));
        Assert.Equal(MailServerCheck.Mx, await new MailDomainLookup(_dns, TimeSpan.FromSeconds(5), Reference).CheckAsync(Domain, default));
        await _dns.DidNotReceive().QueryAsync(Reference, Arg.Any<QueryType>(), Arg.Any<QueryClass>(), Arg.Any<CancellationToken>());
    }

    private const string Reference = "gmail.com";

    private void AnswerReference(IDnsQueryResponse response) =>
        _dns.QueryAsync(Reference, QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>()).Returns(response);

    private void Answer(QueryType type, IDnsQueryResponse response) =>
        _dns.QueryAsync(Domain, type, QueryClass.IN, Arg.Any<CancellationToken>()).Returns(response);

    internal static IDnsQueryResponse Response(DnsHeaderResponseCode code, params DnsResourceRecord[] answers)
    {
        var response = Substitute.For<IDnsQueryResponse>();
        // Flags: QR bit plus the response code in the lowest four bits.
        response.Header.Returns(new DnsResponseHeader(1, (ushort)(0x8000 | (int)code), 1, answers.Length, 0, 0));
        response.Answers.Returns(answers);
        response.HasError.Returns(code != DnsHeaderResponseCode.NoError);
        return response;
    }

    private static ResourceRecordInfo Info(ResourceRecordType type) => new(Domain + ".", type, QueryClass.IN, 300, 0);

    private static MxRecord Mx(string exchange, ushort preference = 10) =>
        new(Info(ResourceRecordType.MX), preference, DnsString.Parse(exchange));
}

/// <summary>How the check combines the typo rules and the DNS answer, switches and the cache.</summary>
public sealed class GuardianEmailCheckTests
{
    private readonly IDnsQuery _dns = Substitute.For<IDnsQuery>();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));

    private GuardianEmailCheck Check(EmailCheckOptions? options = null) =>
        new(Options.Create(options ?? new EmailCheckOptions()), new MailDomainLookup(_dns, TimeSpan.FromSeconds(5)), _time);

    [Fact]
    public async Task RightAddressWithMx_Passes()
    {
        Answer("kita.example", MailDomainLookupTests.Response(DnsHeaderResponseCode.NoError,
            new MxRecord(new ResourceRecordInfo("kita.example.", ResourceRecordType.MX, QueryClass.IN, 300, 0), 10, DnsString.Parse("mx.kita.example."))));
        var report = await Check().CheckAsync("eltern@kita.example", default);
        Assert.False(report.IsSuspect);
        Assert.Equal(MailServerCheck.Mx, report.MailServer);
        Assert.Equal(EmailCheckResult.Passed, report.ResultWhenKept(checkEnabled: true));
    }

    [Fact]
    public async Task MissingDomain_IsNoMailServer_WithoutSuggestion()
    {
        Answer("gone.example", MailDomainLookupTests.Response(DnsHeaderResponseCode.NotExistentDomain));
        var report = await Check().CheckAsync("eltern@gone.example", default);
        Assert.Equal([EmailSuspectReason.NoMailServer], report.Reasons);
        Assert.Null(report.Suggestion);
    }

    [Fact]
    public async Task ProviderTypo_SuggestsTheWholeAddress_AndKeepsTheLocalPart()
    {
        Answer("gmial.com", MailDomainLookupTests.Response(DnsHeaderResponseCode.NotExistentDomain));
        var report = await Check().CheckAsync(" Julia.Schneider@Gmial.com ", default);
        Assert.Equal([EmailSuspectReason.DomainTypo, EmailSuspectReason.NoMailServer], report.Reasons);
        Assert.Equal("Julia.Schneider@gmail.com", report.Suggestion);
        Assert.Equal(EmailCheckResult.SuspectConfirmed, report.ResultWhenKept(checkEnabled: true));
    }

    [Fact]
    public async Task KnownProvider_NeedsNoDnsLookup()
    {
        var report = await Check().CheckAsync("eltern@gmx.de", default);
        Assert.Equal(MailServerCheck.KnownProvider, report.MailServer);
        Assert.Empty(_dns.ReceivedCalls());
    }

    [Fact]
    public async Task DnsFailure_IsCouldNotCheck_NeverSuspect()
    {
        Answer("kita.example", MailDomainLookupTests.Response(DnsHeaderResponseCode.ServerFailure));
        var report = await Check().CheckAsync("eltern@kita.example", default);
        Assert.False(report.IsSuspect);
        Assert.Equal(EmailCheckResult.CouldNotCheck, report.ResultWhenKept(checkEnabled: true));
    }

    [Fact]
    public async Task DefiniteAnswers_AreCached_UntilTheyExpire()
    {
        Answer("gone.example", MailDomainLookupTests.Response(DnsHeaderResponseCode.NotExistentDomain));
        var check = Check(new EmailCheckOptions { CacheMinutes = 10 });
        await check.CheckAsync("a@gone.example", default);
        await check.CheckAsync("b@gone.example", default);
        await _dns.Received(1).QueryAsync("gone.example", QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>());

        _time.Advance(TimeSpan.FromMinutes(11));
        await check.CheckAsync("c@gone.example", default);
        await _dns.Received(2).QueryAsync("gone.example", QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Failures_AreNotCached()
    {
        Answer("kita.example", MailDomainLookupTests.Response(DnsHeaderResponseCode.ServerFailure));
        var check = Check();
        await check.CheckAsync("a@kita.example", default);
        await check.CheckAsync("b@kita.example", default);
        await _dns.Received(2).QueryAsync("kita.example", QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task DnsPartOff_RunsOnlyTheTypoRules()
    {
        var report = await Check(new EmailCheckOptions { LookupMailServers = false }).CheckAsync("eltern@gmx.dee", default);
        Assert.Equal([EmailSuspectReason.TldTypo], report.Reasons);
        Assert.Equal(MailServerCheck.NotChecked, report.MailServer);
        Assert.Empty(_dns.ReceivedCalls());
    }

    [Fact]
    public async Task CheckOff_ChecksNothing()
    {
        var report = await Check(new EmailCheckOptions { Enabled = false }).CheckAsync("eltern@gmial.con", default);
        Assert.False(report.IsSuspect);
        Assert.Equal(EmailCheckResult.NotChecked, report.ResultWhenKept(checkEnabled: false));
        Assert.Empty(_dns.ReceivedCalls());
    }

    [Fact]
    public async Task InternationalDomain_IsAskedInItsAsciiForm()
    {
        Answer("xn--mller-kva.example", MailDomainLookupTests.Response(DnsHeaderResponseCode.NotExistentDomain));
        var report = await Check().CheckAsync("jörg@müller.example", default);
        Assert.Equal([EmailSuspectReason.NoMailServer], report.Reasons);
    }

    [Fact]
    public async Task ACachedAnswer_EndsExactlyAtItsExpiry()
    {
        Answer("gone.example", MailDomainLookupTests.Response(DnsHeaderResponseCode.NotExistentDomain));
        var check = Check(new EmailCheckOptions { CacheMinutes = 10 });
        await check.CheckAsync("a@gone.example", default);

        _time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        await check.CheckAsync("b@gone.example", default);
        await _dns.Received(1).QueryAsync("gone.example", QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>());

        _time.Advance(TimeSpan.FromTicks(1));
        await check.CheckAsync("c@gone.example", default);
        await _dns.Received(2).QueryAsync("gone.example", QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task CacheMinutesZero_AsksTheDnsEveryTime()
    {
        Answer("gone.example", MailDomainLookupTests.Response(DnsHeaderResponseCode.NotExistentDomain));
        var check = Check(new EmailCheckOptions { CacheMinutes = 0 });
        await check.CheckAsync("a@gone.example", default);
        await check.CheckAsync("b@gone.example", default);
        await _dns.Received(2).QueryAsync("gone.example", QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task TheCache_HoldsAtMostTenThousandDomains_ThenStartsAfresh()
    {
        var noSuchDomain = MailDomainLookupTests.Response(DnsHeaderResponseCode.NotExistentDomain);
        _dns.QueryAsync(Arg.Any<string>(), QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>()).Returns(noSuchDomain);
        var check = Check();
        for (var i = 0; i < 10_000; i++)
        {
            await check.CheckAsync($"eltern@kita{i}.example", default);
        }
        // Ten thousand domains fit: the first is still answered from the cache.
        await check.CheckAsync("eltern@kita0.example", default);
        await _dns.Received(1).QueryAsync("kita0.example", QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>());

        // One more empties the cache before it is stored: the first domain is asked again, the new one is kept.
        await check.CheckAsync("eltern@kita10000.example", default);
        await check.CheckAsync("eltern@kita0.example", default);
        await check.CheckAsync("eltern@kita10000.example", default);
        await _dns.Received(2).QueryAsync("kita0.example", QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>());
        await _dns.Received(1).QueryAsync("kita10000.example", QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task ADomainTheDnsCannotHold_HasNoMailServer_WithoutAsking()
    {
        var report = await Check().CheckAsync($"eltern@{new string('k', 64)}.example", default);
        Assert.Equal([EmailSuspectReason.NoMailServer], report.Reasons);
        Assert.Equal(MailServerCheck.None, report.MailServer);
        Assert.Empty(_dns.ReceivedCalls());
    }

    [Fact]
    public async Task NoLookupConfigured_ChecksOnlyTheTypoRules()
    {
        var check = new GuardianEmailCheck(Options.Create(new EmailCheckOptions()), lookup: null, _time);
        var report = await check.CheckAsync("eltern@kita.example", default);
        Assert.False(report.IsSuspect);
        Assert.Equal(MailServerCheck.NotChecked, report.MailServer);
        Assert.True(check.Enabled);
    }

    [Fact]
    public void Enabled_FollowsTheSetting() =>
        Assert.False(Check(new EmailCheckOptions { Enabled = false }).Enabled);

    [Fact]
    public async Task AProviderDomain_IsKnownToReceiveMail_WithoutAskingTheDns()
    {
        var report = await Check().CheckAsync("eltern@GMX.de", default);
        Assert.Equal(MailServerCheck.KnownProvider, report.MailServer);
        Assert.False(report.IsSuspect);
        Assert.Empty(_dns.ReceivedCalls());
    }

    [Fact]
    public async Task ADomainTheDnsCannotHold_HasNoMailServer_WithoutAskingTheDns()
    {
        // An underscore passes the IDN conversion, but no host name may carry one.
        var report = await Check().CheckAsync("eltern@kita_sonnenschein.de", default);
        Assert.Equal(MailServerCheck.None, report.MailServer);
        Assert.Empty(_dns.ReceivedCalls());
    }

    [Fact]
    public void TheReferenceDomain_IsByDefaultTheOneTheReadmeNames() =>
        Assert.Equal("gmail.com", new EmailCheckOptions().ReferenceDomain);

    private void Answer(string domain, IDnsQueryResponse response) =>
        _dns.QueryAsync(domain, QueryType.MX, QueryClass.IN, Arg.Any<CancellationToken>()).Returns(response);
}
