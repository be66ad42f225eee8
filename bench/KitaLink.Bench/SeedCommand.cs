using System.Diagnostics;
using System.Text.Json;
using KitaLink.Api.Accounts;
using KitaLink.Api.Auth;
using KitaLink.Api.Children;
using KitaLink.Api.Facilities;
using KitaLink.Api.Guardians;
using KitaLink.Api.Infrastructure.Data;
using KitaLink.Api.Infrastructure.Email;
using KitaLink.Api.Infrastructure.Security;
using KitaLink.Api.Links;
using KitaLink.Api.Pins;
using KitaLink.Api.Staff;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace KitaLink.Bench;

/// <summary>
/// Seeds a realistic KitaLink database through KitaLink's own entities and services (same keys, same
/// Data Protection key ring in the same database) and writes the input files of the wrk scenarios.
/// <para>
/// Per facility: 1 admin, 2 educators, 100 children; every child has one guardian, every second child a
/// second one (150 guardians). 50 parent accounts per facility have registered: 40 with one child, 10
/// families with two siblings (60 links, each made by a redeemed PIN pair whose PIN 2 mail was sent).
/// The remaining 90 guardians per facility have no account; from them come the pending pairs the
/// registration and letter scenarios use and the guardians the PIN creation scenario issues pairs for.
/// </para>
/// </summary>
public static class SeedCommand
{
    /// <summary>The password of every seeded parent account and of every registration in the benchmark.</summary>
    public const string Password = "Kita-Bench-Passwort-2026";

    private const int AccountsWithOneChild = 40;
    private const int SiblingFamilies = 10;

    private static readonly string[] s_facilityNames =
        ["Sonnenschein", "Regenbogen", "Pusteblume", "Kleine Strolche", "Wirbelwind", "Sternschnuppe", "Abenteuerland", "Löwenzahn"];

    private static readonly string[] s_firstNames =
        ["Mia", "Emma", "Sofia", "Hannah", "Emilia", "Lina", "Mila", "Ella", "Noah", "Leon", "Paul", "Ben", "Finn", "Elias", "Henry", "Emil", "Yusuf", "Aylin", "Can", "Zeynep"];

    private static readonly string[] s_lastNames =
        ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Yılmaz", "Kaya", "Nowak", "Kowalski", "Rossi", "Popescu"];

    private static readonly string[] s_groups = ["Marienkäfer", "Igel", "Schmetterlinge", "Füchse", "Bären"];

    public static async Task<int> RunAsync(CommandLine options)
    {
        var facilityCount = options.Int("facilities", 200);
        var childrenPerFacility = options.Int("children-per-facility", 100);
        var registrationWarmupPairs = options.Int("registration-warmup-pairs", 200);
        var registrationPairs = options.Int("registration-pairs", 2000);
        var letterPairs = options.Int("letter-pairs", 1000);
        var refreshTokensPerSet = options.Int("refresh-tokens", 512);
        var output = Directory.CreateDirectory(options.Required("out")).FullName;
        if (childrenPerFacility <= AccountsWithOneChild + 2 * SiblingFamilies)
        {
            throw new CommandLineException($"--children-per-facility must be more than {AccountsWithOneChild + 2 * SiblingFamilies}.");
        }

        var watch = Stopwatch.StartNew();
        await using var app = KitaLinkServices.Build(options);
        var services = app.Services;
        var context = new SeedContext(
            services.GetRequiredService<PinProtector>(),
            services.GetRequiredService<AccessTokenIssuer>(),
            TimeSpan.FromDays(services.GetRequiredService<IOptions<PinOptions>>().Value.ValidityDays),
            services.GetRequiredService<TimeProvider>().GetUtcNow(),
            // One hash for every account: hashing 10,000 passwords would take minutes and prove nothing.
            await services.GetRequiredService<PasswordHashing>().HashAsync(Password, CancellationToken.None));

        var random = new Random(20260101);
        var parentTokens = new List<string>();
        var loginEmails = new List<string>();
        var accountIds = new List<Guid>();
        var linkedChildrenPaths = new List<string>();
        var freeGuardians = new List<List<FreeGuardian>>();
        var staffLists = new List<string>();

        for (var f = 0; f < facilityCount; f++)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
            var seeded = SeedFacility(db, context, f, childrenPerFacility, random);
            await db.SaveChangesAsync();
            foreach (var account in seeded.Accounts)
            {
                parentTokens.Add(context.Issuer.ForParent(account).Token);
                loginEmails.Add(account.Email);
                accountIds.Add(account.Id);
                linkedChildrenPaths.Add($"{account.Id}/children/{account.TokenVersion}");
            }
            freeGuardians.Add(seeded.Free);
            staffLists.Add($"{seeded.StaffToken}\t{seeded.FacilityId}");
        }
        Console.WriteLine($"seeded {facilityCount} facilities in {watch.Elapsed.TotalSeconds:F0} s");

        // Interleave facilities so each scenario's guardians are spread over all of them.
        var free = Enumerable.Range(0, freeGuardians.Max(l => l.Count))
            .SelectMany(slot => freeGuardians.Where(l => slot < l.Count).Select(l => l[slot]))
            .ToList();
        var needed = registrationWarmupPairs + registrationPairs + letterPairs;
        if (free.Count < needed + 100)
        {
            throw new CommandLineException(
                $"Only {free.Count} guardians without an account; {needed} pending pairs and 100 guardians for PIN creation are needed.");
        }
        var registrationWarmup = free.Take(registrationWarmupPairs).ToList();
        var registration = free.Skip(registrationWarmupPairs).Take(registrationPairs).ToList();
        var letters = free.Skip(registrationWarmupPairs + registrationPairs).Take(letterPairs).ToList();
        var pinCreation = free.Skip(needed).ToList();

        var registrationWarmupLines = await CreatePendingPairsAsync(services, context, registrationWarmup);
        var registrationLines = await CreatePendingPairsAsync(services, context, registration);
        await CreatePendingPairsAsync(services, context, letters);
        Console.WriteLine($"created {needed} pending PIN pairs in {watch.Elapsed.TotalSeconds:F0} s");

        var refreshSets = await CreateRefreshTokensAsync(services, context, accountIds, refreshTokensPerSet, random);
        Console.WriteLine($"created {refreshSets.Sum(s => s.Value.Count)} refresh tokens in {watch.Elapsed.TotalSeconds:F0} s");

        Shuffle(parentTokens, random);
        Shuffle(loginEmails, random);
        Shuffle(accountIds, random);
        Shuffle(linkedChildrenPaths, random);
        Shuffle(pinCreation, random);
        await WriteLinesAsync(output, "parent-tokens.txt", parentTokens);
        await WriteLinesAsync(output, "login-emails.txt", loginEmails);
        await WriteLinesAsync(output, "account-ids.txt", accountIds.Select(id => id.ToString()));
        // For the raw Npgsql app's GET /baseline/{id}/children/{tokenVersion}: the statement GET /me/children runs.
        await WriteLinesAsync(output, "linked-children-paths.txt", linkedChildrenPaths);
        await WriteLinesAsync(output, "register-warmup.tsv", registrationWarmupLines);
        await WriteLinesAsync(output, "register.tsv", registrationLines);
        await WriteLinesAsync(output, "letters.tsv", letters.Select(g => $"{g.StaffToken}\t{g.ChildId}\t{g.GuardianId}"));
        await WriteLinesAsync(output, "staff-lists.tsv", staffLists);
        foreach (var (name, tokens) in refreshSets)
        {
            await WriteLinesAsync(output, $"{name}.txt", tokens);
        }
        await WriteLinesAsync(output, "pins.tsv", pinCreation.Select(g => $"{g.StaffToken}\t{g.ChildId}\t{g.GuardianId}"));

        var summary = await CountAsync(services);
        summary["seedSeconds"] = (long)watch.Elapsed.TotalSeconds;
        summary["registrationPairs"] = registrationLines.Count;
        summary["registrationWarmupPairs"] = registrationWarmupLines.Count;
        summary["letterPairs"] = letters.Count;
        summary["pinCreationGuardians"] = pinCreation.Count;
        await File.WriteAllTextAsync(Path.Combine(output, "seed.json"), JsonSerializer.Serialize(summary, Json.Options));
        Console.WriteLine($"seed done in {watch.Elapsed.TotalSeconds:F0} s: " +
            string.Join(", ", summary.Select(p => $"{p.Key} {p.Value}")));
        return 0;
    }

    private sealed record SeedContext(PinProtector Pins, AccessTokenIssuer Issuer, TimeSpan Validity, DateTimeOffset Now, string PasswordHash)
    {
        public HashSet<string> UsedPins { get; } = [];

        /// <summary>A PIN not used by another seeded pair (PIN 1 is unique among all pairs).</summary>
        public string NewPin()
        {
            while (true)
            {
                var pin = PinCodes.Generate();
                if (UsedPins.Add(pin))
                {
                    return pin;
                }
            }
        }
    }

    private sealed record FreeGuardian(Guid FacilityId, Guid ChildId, Guid GuardianId, string Email, Guid StaffId, string StaffToken);

    private sealed record SeededFacility(Guid FacilityId, string StaffToken, List<ParentAccount> Accounts, List<FreeGuardian> Free);

    /// <summary>
    /// Refresh-token scenarios: one set of live refresh tokens (each the start of its own session, of a different
    /// account) per warm-up and measured run, so no run starts with a token another run consumed.
    /// </summary>
    private static readonly string[] s_refreshSets =
        ["refresh-baseline-warmup", "refresh-baseline", "refresh-warmup", "refresh", "refresh-spread-warmup", "refresh-spread",
            "refresh-logged-warmup", "refresh-logged", "refresh-logged-spread-warmup", "refresh-logged-spread"];

    private static async Task<Dictionary<string, List<string>>> CreateRefreshTokensAsync(
        IServiceProvider services, SeedContext context, List<Guid> accountIds, int perSet, Random random)
    {
        var lifetime = TimeSpan.FromDays(services.GetRequiredService<IOptions<JwtOptions>>().Value.RefreshTokenDays);
        var accounts = accountIds.ToArray();
        random.Shuffle(accounts);
        var sets = new Dictionary<string, List<string>>();
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        var next = 0;
        foreach (var name in s_refreshSets)
        {
            var tokens = new List<string>(perSet);
            for (var i = 0; i < perSet; i++)
            {
                var secret = SecretTokens.Generate();
                db.RefreshTokens.Add(new RefreshToken(accounts[next++ % accounts.Length], Guid.CreateVersion7(),
                    SecretTokens.Hash(secret), context.Now, lifetime));
                tokens.Add(secret);
            }
            sets[name] = tokens;
        }
        await db.SaveChangesAsync();
        return sets;
    }

    private static SeededFacility SeedFacility(KitaLinkDbContext db, SeedContext context, int index, int childrenPerFacility, Random random)
    {
        var opened = context.Now.AddDays(-400 + index % 50);
        var facility = new Facility($"Kita {s_facilityNames[index % s_facilityNames.Length]} {index + 1:000}", opened);
        db.Facilities.Add(facility);
        var domain = $"kita-{index + 1:000}.example";
        var admin = new StaffMember(facility.Id, $"leitung@{domain}", "Leitung", StaffRole.Admin, opened);
        admin.SetPasswordHash(context.PasswordHash, opened);
        db.StaffMembers.Add(admin);
        for (var e = 1; e <= 2; e++)
        {
            var educator = new StaffMember(facility.Id, $"team{e}@{domain}", $"Erzieher:in {e}", StaffRole.Educator, opened);
            educator.SetPasswordHash(context.PasswordHash, opened);
            db.StaffMembers.Add(educator);
        }
        var staffToken = context.Issuer.ForStaff(admin).Token;

        var accounts = new List<ParentAccount>();
        var free = new List<FreeGuardian>();
        ParentAccount? familyAccount = null;
        string? familyName = null;
        for (var c = 0; c < childrenPerFacility; c++)
        {
            var created = opened.AddDays(random.Next(0, 300));
            // Children 40..59 are sibling pairs: one family name, one guardian email, one account for both.
            var sibling = c >= AccountsWithOneChild && c < AccountsWithOneChild + 2 * SiblingFamilies;
            var firstOfSiblings = sibling && (c - AccountsWithOneChild) % 2 == 0;
            var lastName = sibling && !firstOfSiblings ? familyName! : s_lastNames[random.Next(s_lastNames.Length)];
            familyName = lastName;
            var child = new Child(facility.Id, s_firstNames[random.Next(s_firstNames.Length)], lastName,
                DateOnly.FromDateTime(context.Now.UtcDateTime).AddDays(-random.Next(365, 6 * 365)),
                s_groups[random.Next(s_groups.Length)], created);
            db.Children.Add(child);

            var primaryEmail = sibling
                ? $"familie.{lastName.ToLowerInvariant()}.f{index:000}c{(c - AccountsWithOneChild) / 2:00}@example.org"
                : $"eltern.f{index:000}.c{c:000}@example.org";
            var primary = new Guardian(facility.Id, child.Id, $"{s_firstNames[random.Next(s_firstNames.Length)]} {lastName}",
                random.Next(2) == 0 ? "Mutter" : "Vater", primaryEmail, created);
            db.Guardians.Add(primary);
            Guardian? second = null;
            if (c % 2 == 0)
            {
                second = new Guardian(facility.Id, child.Id, $"{s_firstNames[random.Next(s_firstNames.Length)]} {lastName}",
                    "Erziehungsberechtigte:r", $"zweit.f{index:000}.c{c:000}@example.de", created);
                db.Guardians.Add(second);
            }

            if (c < AccountsWithOneChild || sibling)
            {
                if (!sibling || firstOfSiblings)
                {
                    familyAccount = new ParentAccount(primaryEmail, created.AddDays(2));
                    familyAccount.SetPasswordHash(context.PasswordHash, created.AddDays(2));
                    db.ParentAccounts.Add(familyAccount);
                    accounts.Add(familyAccount);
                }
                var issued = created.AddDays(1);
                var pair = NewPair(db, context, facility.Id, child.Id, primary.Id, primary.Email, admin.Id, issued, out _, out _);
                var linkedAt = issued.AddHours(20);
                pair.Redeem(familyAccount!.Id, linkedAt);
                db.ChildLinks.Add(new ChildLink(familyAccount.Id, child.Id, primary.Id, pair.Id, linkedAt));
            }
            else
            {
                free.Add(new FreeGuardian(facility.Id, child.Id, primary.Id, primary.Email, admin.Id, staffToken));
            }
            if (second is not null)
            {
                free.Add(new FreeGuardian(facility.Id, child.Id, second.Id, second.Email, admin.Id, staffToken));
            }
        }
        return new SeededFacility(facility.Id, staffToken, accounts, free);
    }

    /// <summary>Pending pairs with known PINs, in the form the registration scenario sends (email, PIN 1, PIN 2).</summary>
    private static async Task<List<string>> CreatePendingPairsAsync(IServiceProvider services, SeedContext context, List<FreeGuardian> guardians)
    {
        var lines = new List<string>(guardians.Count);
        foreach (var chunk in guardians.Chunk(1000))
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
            foreach (var g in chunk)
            {
                NewPair(db, context, g.FacilityId, g.ChildId, g.GuardianId, g.Email, g.StaffId, context.Now.AddHours(-2), out var pin1, out var pin2);
                lines.Add($"{g.Email}\t{PinCodes.Format(pin1)}\t{PinCodes.Format(pin2)}");
            }
            await db.SaveChangesAsync();
        }
        return lines;
    }

    /// <summary>A pair as staff create it: PIN 1 encrypted plus lookup hash, PIN 2 hash, and its (delivered) PIN 2 mail.</summary>
    private static PinPair NewPair(KitaLinkDbContext db, SeedContext context, Guid facilityId, Guid childId, Guid guardianId,
        string guardianEmail, Guid staffId, DateTimeOffset issued, out string pin1, out string pin2)
    {
        pin1 = context.NewPin();
        pin2 = PinCodes.Generate();
        var pair = new PinPair(facilityId, childId, guardianId, guardianEmail, context.Pins.ProtectPin1(pin1),
            context.Pins.Hash(pin1, pin2), staffId, issued, context.Validity);
        // Delivered mails keep no body (the sender wipes it), so none is needed here.
        var mail = new OutboxMessage(OutboxMessageKind.Pin2, guardianEmail, "Ihre PIN 2 für KitaLink / Your KitaLink PIN 2", "", "", issued)
            .About(facilityId, childId, guardianId, pair.Id);
        mail.MarkSent(issued.AddSeconds(1));
        pair.AttachPin2Message(mail.Id);
        db.PinPairs.Add(pair);
        db.OutboxMessages.Add(mail);
        return pair;
    }

    private static async Task<Dictionary<string, long>> CountAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KitaLinkDbContext>();
        return new Dictionary<string, long>
        {
            ["facilities"] = await db.Facilities.LongCountAsync(),
            ["staffMembers"] = await db.StaffMembers.LongCountAsync(),
            ["children"] = await db.Children.LongCountAsync(),
            ["guardians"] = await db.Guardians.LongCountAsync(),
            ["parentAccounts"] = await db.ParentAccounts.LongCountAsync(),
            ["childLinks"] = await db.ChildLinks.LongCountAsync(),
            ["pinPairs"] = await db.PinPairs.LongCountAsync(),
            ["pendingPinPairs"] = await db.PinPairs.LongCountAsync(p => p.State == PinPairState.Pending),
            ["outboxMessages"] = await db.OutboxMessages.LongCountAsync(),
        };
    }

    private static void Shuffle<T>(List<T> items, Random random)
    {
        var array = items.ToArray();
        random.Shuffle(array);
        items.Clear();
        items.AddRange(array);
    }

    private static Task WriteLinesAsync(string directory, string name, IEnumerable<string> lines) =>
        File.WriteAllLinesAsync(Path.Combine(directory, name), lines);
}
