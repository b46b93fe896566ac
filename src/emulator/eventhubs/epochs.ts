// Receiver ownership per (hub, consumer group, partition), docs/protocol/eventhubs.md §6.4:
// * a new receiver whose epoch is >= every existing epoch detaches all current receivers
//   (epoch or not) with amqp:link:stolen;
// * a lower epoch, or no epoch while an epoch receiver holds the partition, is refused;
// * at most 5 receivers without epoch per partition and group (service quota [D]; the condition
//   for the 6th, amqp:resource-limit-exceeded, is [U]).

export interface OwnedReceiver {
  readonly name: string;
  readonly epoch: number | undefined;
  steal(description: string): void;
}

export interface Refusal {
  condition: string;
  description: string;
}

export const MAX_RECEIVERS_WITHOUT_EPOCH = 5;

export class EpochRegistry {
  private readonly owners = new Map<string, Set<OwnedReceiver>>();

  /** Registers `receiver`, stealing from weaker ones, or returns why it is refused. */
  claim(key: string, receiver: OwnedReceiver): Refusal | undefined {
    const current = this.owners.get(key) ?? new Set<OwnedReceiver>();
    const epochs = [...current].map((owner) => owner.epoch).filter((epoch): epoch is number => epoch !== undefined);
    const highest = epochs.length > 0 ? Math.max(...epochs) : undefined;
    if (receiver.epoch === undefined) {
      if (highest !== undefined) {
        return {
          condition: 'amqp:link:stolen',
          description: `Receiver '${receiver.name}' with no epoch cannot be created because a receiver with epoch '${highest}' already exists.`,
        };
      }
      if (current.size >= MAX_RECEIVERS_WITHOUT_EPOCH) {
        return {
          condition: 'amqp:resource-limit-exceeded',
          description: `Exceeded the maximum number of allowed receivers per partition in a consumer group which is ${MAX_RECEIVERS_WITHOUT_EPOCH}.`,
        };
      }
    } else {
      if (highest !== undefined && receiver.epoch < highest) {
        return {
          condition: 'amqp:link:stolen',
          description: `Receiver '${receiver.name}' with epoch '${receiver.epoch}' cannot be created because a receiver with higher epoch '${highest}' already exists.`,
        };
      }
      for (const owner of current) {
        current.delete(owner);
        owner.steal(
          `New receiver '${receiver.name}' with higher epoch of '${receiver.epoch}' is created hence current receiver '${owner.name}' with epoch '${owner.epoch ?? 'none'}' is getting disconnected.`,
        );
      }
    }
    current.add(receiver);
    this.owners.set(key, current);
    return undefined;
  }

  /** Current receivers by ownership key (lowercase `hub/consumergroups/cg/partitions/id`), read by the dashboard. */
  entries(): IterableIterator<[string, ReadonlySet<OwnedReceiver>]> {
    return this.owners.entries();
  }

  release(key: string, receiver: OwnedReceiver): void {
    const current = this.owners.get(key);
    if (!current) return;
    current.delete(receiver);
    if (current.size === 0) this.owners.delete(key);
  }
}
