// One subscription as the Graph simulator holds it, and one queued change of it: the record both the
// subscription half (create, renew, delete) and the delivery half (queue, send, retry) work on.

export interface QueuedItem {
  userId: string;
  /** Presence JSON at the time of the change (rich notifications). */
  presence: Record<string, unknown>;
}

export interface SimSubscription {
  id: string;
  resource: string;
  userIds: Set<string>;
  changeType: string;
  clientState?: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  expiresAt: number;
  applicationId: string;
  creatorId: string;
  includeResourceData: boolean;
  encryptionCertificate?: string;
  encryptionCertificateId?: string;
  latestSupportedTlsVersion: string;
  /** reauthorizationRequired sent and not yet answered: deliveries are held, not dropped. */
  paused: boolean;
  removed: boolean;
  queue: QueuedItem[];
  sending: boolean;
}
