import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';

@ObjectType({
  simpleResolvers: true,
  description: 'Where a page ends, and whether another follows.',
})
export class PageInfo {
  @Field(() => String, { nullable: true, description: 'Pass as `after` to get the next page.' })
  endCursor!: string | null;

  @Field(() => Boolean)
  hasNextPage!: boolean;
}

/** `type <Name>Page { items: [<Item>!]! pageInfo: PageInfo! }` for any item type. */
export function pageType<T extends ClassType>(item: T, name: string) {
  @ObjectType(name, {
    simpleResolvers: true,
    description: `One page of ${item.name.replace(/Type$/, '')} items.`,
  })
  class Page {
    @Field(() => [item])
    items!: InstanceType<T>[];

    @Field(() => PageInfo)
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
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100 (default 50).' })
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'The `endCursor` of the previous page.' })
  after?: string | null;
}
