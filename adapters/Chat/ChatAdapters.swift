import BackfillCore

/// The chat-export adapters of this target, in sniffing priority order (registered by `BackfillKit`).
public enum ChatAdapters {
    public static let all: [any SourceAdapter] = [
        ChatGPTAdapter(), ClaudeAdapter(), SlackAdapter(), WhatsAppAdapter(), TelegramAdapter(), DiscordAdapter(),
        GoogleChatAdapter(), MessengerAdapter(), ChatSpecAdapter(),
    ]
}
