// Translations of the Configure forms that PBX vendor modules describe in English (GET
// /api/connector-modules): "<kind>.<field key>.<label|help|placeholder|section|option.<value>>", or
// "*.<key>.…" for the hub's own fields of every vendor. English shows the module's own texts.
export default {
  en: {},
  de: {
    "innovaphone.server.label": "Server",
    "innovaphone.server.help": "Hostname oder IP-Adresse der PBX",
    "innovaphone.server.placeholder": "pbx.example.com",
    "innovaphone.protocol.label": "Protokoll",
    "innovaphone.protocol.option.wss": "wss (TLS)",
    "innovaphone.protocol.option.ws": "ws",
    "innovaphone.port.label": "Port",
    "innovaphone.username.label": "App-Login (Benutzername)",
    "innovaphone.username.help": "Name des App-Objekts auf der PBX",
    "innovaphone.password.label": "Passwort",
    "innovaphone.password.help": "Passwort des App-Objekts",
    "innovaphone.tls.insecure.label": "Selbstsigniertes Zertifikat erlauben (keine Prüfung)",
    "innovaphone.tls.insecure.section": "TLS",
    "innovaphone.tls.ca.label": "Eigene CA (PEM)",
    "innovaphone.tls.ca.section": "TLS",
    "innovaphone.tls.ca.help": "Dieser Zertifizierungsstelle für wss vertrauen",
    "*.defaultDestination.label": "Standard-Umleitungsziel (Rufnummer)",
    "*.defaultDestination.placeholder": "z. B. 200 (Voicemail oder Zentrale)",
    "*.defaultDestination.help": "Für die Rufumleitung bei besetzt, wenn ein Benutzer keine eigene hat",
  },
};
