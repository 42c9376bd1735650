/** Where the receivers' secrets are mounted from the Secret `alertmanager-receivers`. */
export const RECEIVER_SECRETS_DIR = "/etc/alertmanager/secrets";
export const SLACK_URL_KEY = "slack-webhook-url";
export const PAGERDUTY_KEY = "pagerduty-routing-key";
export const ALERTMANAGER_PORT = 9093;

export interface AlertmanagerConfigOptions {
  readonly slackChannel: string;
  /** Whether critical alerts page; staging never does. */
  readonly page: boolean;
  /** Which receiver secrets the stack has; a receiver without its secret delivers nothing. */
  readonly secrets: { readonly slack: boolean; readonly pagerduty: boolean };
  /**
   * Replaces each receiver's configuration (by receiver name), keeping the routing tree: the live tests
   * point every receiver at a local webhook.
   */
  readonly receiverOverrides?: Readonly<Record<string, Record<string, unknown>>>;
  /** Grouping delays; the defaults suit a pager, the live tests shorten them. */
  readonly timing?: {
    readonly groupWait: string;
    readonly groupInterval: string;
    readonly repeatInterval: string;
  };
}

export const RECEIVERS = { chat: "chat", pager: "pager", watchdog: "watchdog" } as const;

/** alertmanager.yml: severity routing, inhibition of warning twins, receivers whose secrets are files. */
export function alertmanagerConfig(options: AlertmanagerConfigOptions): Record<string, unknown> {
  const timing = options.timing ?? { groupWait: "30s", groupInterval: "5m", repeatInterval: "4h" };
  const receiver = (name: string, config: Record<string, unknown>) => ({
    name,
    ...(options.receiverOverrides?.[name] ?? config),
  });
  return {
    route: {
      receiver: RECEIVERS.chat,
      group_by: ["alertname", "environment", "job"],
      group_wait: timing.groupWait,
      group_interval: timing.groupInterval,
      repeat_interval: timing.repeatInterval,
      routes: [
        // The watchdog goes to a dead man's switch (configure one as the watchdog receiver), never to people.
        { receiver: RECEIVERS.watchdog, matchers: ['alertname="Watchdog"'], repeat_interval: "5m" },
        ...(options.page
          ? [{ receiver: RECEIVERS.pager, matchers: ['severity="critical"'], continue: true }]
          : []),
        { receiver: RECEIVERS.chat, matchers: ['severity=~"critical|warning"'] },
      ],
    },
    inhibit_rules: [
      // A critical alert silences the warning about the same target (BackendDown over TargetDown).
      {
        source_matchers: ['severity="critical"'],
        target_matchers: ['severity="warning"'],
        equal: ["environment", "job", "instance"],
      },
    ],
    receivers: [
      receiver(
        RECEIVERS.chat,
        options.secrets.slack
          ? {
              slack_configs: [
                {
                  api_url_file: `${RECEIVER_SECRETS_DIR}/${SLACK_URL_KEY}`,
                  channel: options.slackChannel,
                  send_resolved: true,
                  title:
                    "[{{ .Status | toUpper }}] {{ .CommonLabels.environment }}: {{ .CommonLabels.alertname }}",
                  text: "{{ range .Alerts }}{{ .Annotations.summary }}: {{ .Annotations.description }} {{ .Annotations.runbook_url }}\n{{ end }}",
                },
              ],
            }
          : {},
      ),
      ...(options.page
        ? [
            receiver(
              RECEIVERS.pager,
              options.secrets.pagerduty
                ? {
                    pagerduty_configs: [
                      { routing_key_file: `${RECEIVER_SECRETS_DIR}/${PAGERDUTY_KEY}`, send_resolved: true },
                    ],
                  }
                : {},
            ),
          ]
        : []),
      receiver(RECEIVERS.watchdog, {}),
    ],
  };
}
