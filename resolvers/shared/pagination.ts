import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';

@ObjectType({
  simpleResolvers: true,
  description: 'Where a page ends, and whether another follows.',
})
export class PageInfo {
  @Field(() => String, {
    nullable: true,
    description:
      'Pass as `after` to get the next page; null when the page is empty. Opaque: a cursor is valid only for the list that issued it.',
  })
  endCursor!: string | null;

  @Field(() => Boolean, { description: 'Whether another page follows this one.' })
  hasNextPage!: boolean;
}

/** `type <Name>Page { items: [<Item>!]! pageInfo: PageInfo! }` for any item type. */
export function pageType<T extends ClassType>(item: T, name: string) {
  @ObjectType(name, {
    simpleResolvers: true,
    description: `One page of ${item.name.replace(/Type$/, '')} items.`,
  })
  class Page {
    @Field(() => [item], {
      description: 'The items of this page, oldest first; at most `first` of them.',
    })
    items!: InstanceType<T>[];

    @Field(() => PageInfo, { description: 'Where this page ends, and whether another follows.' })
    pageInfo!: PageInfo;
  }
  return Page;
}

/** Shapes a service page for the GraphQL page types. */
export function toPageResult<T>(page: {
  items: T[];
  endCursor: string | null;
  hasNextPage: boolean;
}) {
  return {
    items: page.items,
    pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
  };
}

/** `first` and `after`, the arguments of every list query. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, {
    nullable: true,
    description:
      'Page size, 1 to 100 (default 50). Out of range: a top-level BAD_USER_INPUT (never clamped).',
  })
  first?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'The `endCursor` of the previous page; absent for the first page. A cursor this list did not issue: a top-level BAD_USER_INPUT.',
  })
  after?: string | null;
}
