using System.Globalization;
using KitaLink.Bench;

// Tooling for bench/run.sh. Every command reads KitaLink's configuration the way the API does
// (environment variables such as ConnectionStrings__Postgres, Jwt__SigningKey, Pins__HashKey).
// Figures in files and in docs/performance.md are written the same on every machine.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var command = args.FirstOrDefault();
var options = CommandLine.Parse(args.Skip(1));
try
{
    return command switch
    {
        "hash-time" => await HashTimeCommand.RunAsync(options),
        "address-check-time" => await AddressCheckTimeCommand.RunAsync(options),
        "seed" => await SeedCommand.RunAsync(options),
        "smtp-sink" => await SmtpSinkCommand.RunAsync(options),
        "mail-burst" => await MailBurstCommand.RunAsync(options),
        "mail-stats" => await MailStatsCommand.RunAsync(options),
        "bounce-read" => await BounceReadCommand.RunAsync(options),
        "webhook-sink" => await WebhookSinkCommand.RunAsync(options),
        "webhook-burst" => await WebhookBurstCommand.RunAsync(options),
        "report" => await ReportCommand.RunAsync(options),
        _ => Usage(),
    };
}
catch (CommandLineException exception)
{
    await Console.Error.WriteLineAsync(exception.Message);
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: KitaLink.Bench <command> [--option value ...]
          hash-time   --runs N --out FILE                 time one KitaLink password hash (single-threaded)
          address-check-time --dns IP:PORT --domain D --out FILE [--runs N]
                                                          time the guardian address check with a warm DNS cache
          seed        --out DIR [--facilities N] ...      seed the benchmark data set, write wrk input files
          smtp-sink   --port N --stats FILE               SMTP server that accepts and discards every message
          mail-burst  --count N --out FILE                enqueue N PIN 2 mails in one transaction
          mail-stats  --since T [--until T] --out FILE    delivery figures of the PIN 2 mails created in a window
                      [--wait-seconds N] [--discard-since T]
          bounce-read --count N --lmtp-port P --fixtures DIR --out FILE
                                                          N bounces into the IMAP mailbox, timed through the reader
          webhook-sink --port N --stats FILE --secret-file FILE
                                                          webhook receiver: 204, counts and checks signatures
          webhook-burst --count N --out FILE              write N pin_pair.created events in one transaction
          report      --results DIR --out FILE            write docs/performance.md from a run's results
        """);
    return 2;
}
